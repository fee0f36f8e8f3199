import type { EdgeChange, NodeChange } from "@xyflow/react";
import type { StoreApi } from "zustand/vanilla";
import type {
  ConnectionCandidate,
  ConnectResult,
  GraphIssue,
  InstallationKey,
  LibraryAgentGraph,
  PaletteItem,
  TeamSecretBinding,
  ToolCatalog,
  ToolNodeData,
  Viewport,
  WorkflowDocument,
  WorkflowNode,
} from "~/graph";
import type { CanvasEdge, CanvasNode, GraphSnapshot } from "../canvas-types";

/** The document on the canvas and what it is validated against. */
export interface GraphState {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  viewport: Viewport;
  issues: GraphIssue[];
  /** Issues per node id; arrays keep their identity while unchanged, so node components skip re-renders. */
  issuesByNode: Record<string, GraphIssue[]>;
  knownSecrets: string[] | undefined;
  /** The server's provider keys and where each may be sent (no values), for the key-binding check. */
  installationKeys: InstallationKey[] | undefined;
  /** The team's secrets (names and host bindings, no values); they shadow installation keys. */
  teamSecrets: TeamSecretBinding[] | undefined;
  /** Whether the team may use the local sandbox (undefined until the server said). */
  allowLocalExecutor: boolean | undefined;
  /** The programs stdio MCP servers may start (MCP_STDIO_COMMANDS); unknown until the server says. */
  mcpStdioCommands: readonly string[] | undefined;
  catalog: ToolCatalog;
  /** Incremented by every change to the document (not selection or measuring); autosave watches it. */
  changeCount: number;
  /** Why the last connection attempt was refused, for a hint on the canvas. */
  lastRefusal: string | null;
  dragging: boolean;
}

/** Edits of the graph: each is one undo step. */
export interface GraphEditActions {
  load(doc: WorkflowDocument): void;
  /** Replace the whole graph as one undoable change (import, template). */
  replaceDocument(doc: WorkflowDocument): void;
  toDocument(): WorkflowDocument;
  onNodesChange(changes: NodeChange<CanvasNode>[]): void;
  onEdgesChange(changes: EdgeChange<CanvasEdge>[]): void;
  checkConnection(candidate: ConnectionCandidate): ConnectResult;
  connect(candidate: ConnectionCandidate): ConnectResult;
  addNode(item: PaletteItem, position: { x: number; y: number }): string;
  /**
   * Add tool nodes (an OpenAPI import) as one undo step: in a grid right of the graph, names made
   * unique, each attached to the selected agent when exactly one is selected. Returns their ids.
   */
  addToolNodes(tools: ToolNodeData[]): string[];
  updateNodeData(id: string, patch: Record<string, unknown>): void;
  replaceNodeData(id: string, data: WorkflowNode["data"]): void;
  deleteSelection(): void;
  /**
   * Replace a library agent node by an editable copy of its shared sub-graph, as one undo step:
   * the agent keeps the node's id (so its manager still manages it), the rest get fresh ids.
   */
  forkLibraryAgent(id: string, graph: LibraryAgentGraph): void;
}

/** Undo and redo over graph snapshots. */
export interface HistoryState {
  past: GraphSnapshot[];
  future: GraphSnapshot[];
  /** The last committed change and when, so rapid edits of one field merge into one step. */
  lastCommit: { key: string; at: number } | null;
  undo(): void;
  redo(): void;
}

/** Which nodes and edges are selected. */
export interface SelectionActions {
  selectAll(): void;
  selectOnly(ids: string[]): void;
}

/** Copy, cut and paste of the selection. */
export interface ClipboardState {
  clipboard: GraphSnapshot | null;
  copySelection(): void;
  cutSelection(): void;
  paste(offset?: { x: number; y: number }): void;
}

/** Where nodes are and what part of the canvas is shown. */
export interface LayoutActions {
  /**
   * Incremented when the view should fit the whole graph again: after an auto-layout and after the
   * document is replaced (import, template). The canvas fits once React Flow has the new nodes.
   */
  fitViewRequest: number;
  /** Move the given nodes as one undo step (auto-layout). */
  applyPositions(positions: Record<string, { x: number; y: number }>): void;
  setViewport(viewport: Viewport): void;
  /** Ask the canvas to fit the view to the graph (see `fitViewRequest`). */
  requestFitView(): void;
}

/** What the server says the graph is validated against; each setter revalidates. */
export interface ValidationContextActions {
  setKnownSecrets(
    names: string[] | undefined,
    installationKeys?: InstallationKey[],
    teamSecrets?: TeamSecretBinding[],
  ): void;
  setAllowLocalExecutor(allowed: boolean): void;
  /** The operator's list of stdio MCP commands; validation refuses others. */
  setMcpStdioCommands(commands: readonly string[]): void;
  setCatalog(catalog: ToolCatalog): void;
}

/** The whole canvas state: the union of its slices. */
export type CanvasState = GraphState &
  GraphEditActions &
  HistoryState &
  SelectionActions &
  ClipboardState &
  LayoutActions &
  ValidationContextActions;

export type CanvasStore = StoreApi<CanvasState>;

export interface CanvasStoreOptions {
  /** Id factory (tests pass a counter). */
  newId?: (type: string) => string;
  /** Clock for undo coalescing (tests pass a fake). */
  now?: () => number;
  /** The tools library nodes are validated against, when already known (default: no library). */
  catalog?: ToolCatalog;
}
