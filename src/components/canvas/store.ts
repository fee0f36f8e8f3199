import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import { createStore, type StoreApi } from "zustand/vanilla";
import {
  type ConnectionCandidate,
  type ConnectResult,
  canConnect,
  createEmptyWorkflow,
  createNode,
  defaultCatalog,
  edgeOfKind,
  type GraphIssue,
  type InstallationKey,
  type LibraryAgentGraph,
  type PaletteItem,
  type TeamSecretBinding,
  type ToolCatalog,
  type ToolNodeData,
  uniqueName,
  type Viewport,
  validate,
  type WorkflowDocument,
  type WorkflowNode,
} from "~/graph";
import {
  type CanvasEdge,
  type CanvasNode,
  type GraphSnapshot,
  toCanvasEdge,
  toCanvasNode,
  toWorkflowEdge,
  toWorkflowNode,
} from "./canvas-types";

/** Spacing of the grid that imported tool nodes are laid out in (they never land on each other). */
const toolGrid = { x: 280, y: 200 };

/** How many undo steps are kept. */
export const historyLimit = 100;
/** Edits to one node's field within this window merge into one undo step (typing). */
export const coalesceMs = 1000;

export interface CanvasState {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  viewport: Viewport;
  past: GraphSnapshot[];
  future: GraphSnapshot[];
  clipboard: GraphSnapshot | null;
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
  lastCommit: { key: string; at: number } | null;

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
  selectAll(): void;
  selectOnly(ids: string[]): void;
  copySelection(): void;
  cutSelection(): void;
  paste(offset?: { x: number; y: number }): void;
  /**
   * Replace a library agent node by an editable copy of its shared sub-graph, as one undo step:
   * the agent keeps the node's id (so its manager still manages it), the rest get fresh ids.
   */
  forkLibraryAgent(id: string, graph: LibraryAgentGraph): void;
  undo(): void;
  redo(): void;
  applyPositions(positions: Record<string, { x: number; y: number }>): void;
  setViewport(viewport: Viewport): void;
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

export type CanvasStore = StoreApi<CanvasState>;

export interface CanvasStoreOptions {
  /** Id factory (tests pass a counter). */
  newId?: (type: string) => string;
  /** Clock for undo coalescing (tests pass a fake). */
  now?: () => number;
  /** The tools library nodes are validated against, when already known (default: no library). */
  catalog?: ToolCatalog;
}

const randomId = (type: string) =>
  `${type}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

function snapshotOf(state: Pick<CanvasState, "nodes" | "edges">): GraphSnapshot {
  return { nodes: state.nodes.map(toWorkflowNode), edges: state.edges.map(toWorkflowEdge) };
}

function nodeName(node: CanvasNode | WorkflowNode): string | undefined {
  return node.type === "sandbox" || node.type === "model" ? undefined : node.data.name;
}

function issuesPerNode(
  issues: GraphIssue[],
  previous: Record<string, GraphIssue[]>,
): Record<string, GraphIssue[]> {
  const next: Record<string, GraphIssue[]> = {};
  for (const issue of issues) {
    if (!issue.nodeId) continue;
    const list = next[issue.nodeId];
    if (list) list.push(issue);
    else next[issue.nodeId] = [issue];
  }
  for (const [id, list] of Object.entries(next)) {
    const old = previous[id];
    const same =
      old !== undefined &&
      old.length === list.length &&
      old.every((o, i) => o.message === list[i]!.message && o.severity === list[i]!.severity);
    if (same) next[id] = old;
  }
  return next;
}

/**
 * Once React Flow has measured a node, its port estimate (`handles`, see node-geometry.ts) goes:
 * React Flow otherwise puts the estimate back over the measured ports whenever the node changes.
 */
function withoutEstimatedPorts(nodes: CanvasNode[], changes: NodeChange<CanvasNode>[]): CanvasNode[] {
  const measured = new Set(changes.flatMap((c) => (c.type === "dimensions" ? [c.id] : [])));
  if (measured.size === 0) return nodes;
  return nodes.map((n) => (measured.has(n.id) && n.handles ? { ...n, handles: undefined } : n));
}

/**
 * The canvas store: nodes, edges, selection, clipboard and undo behind named actions (STYLE §3, §6).
 * Framework-free (zustand vanilla), so it is tested in Node without a React tree.
 */
export function createCanvasStore(
  initial: WorkflowDocument = createEmptyWorkflow(),
  options: CanvasStoreOptions = {},
) {
  const newId = options.newId ?? randomId;
  const now = options.now ?? Date.now;

  return createStore<CanvasState>()((set, get) => {
    const revalidate = (nodes: CanvasNode[], edges: CanvasEdge[]) => {
      const {
        knownSecrets,
        installationKeys,
        teamSecrets,
        allowLocalExecutor,
        mcpStdioCommands,
        catalog,
        issuesByNode,
      } = get();
      const doc = {
        ...createEmptyWorkflow(),
        nodes: nodes.map(toWorkflowNode),
        edges: edges.map(toWorkflowEdge),
      };
      const issues = validate(doc, {
        knownSecrets,
        installationKeys,
        teamSecrets,
        allowLocalExecutor,
        mcpStdioCommands,
        catalog,
      });
      return { issues, issuesByNode: issuesPerNode(issues, issuesByNode) };
    };

    /** Apply one document change as one undo step. `coalesceKey` merges rapid edits of one field. */
    const commit = (next: { nodes: CanvasNode[]; edges: CanvasEdge[] }, coalesceKey?: string) => {
      const state = get();
      const at = now();
      const merge =
        coalesceKey !== undefined &&
        state.lastCommit?.key === coalesceKey &&
        at - state.lastCommit.at < coalesceMs;
      set({
        ...next,
        ...revalidate(next.nodes, next.edges),
        past: merge ? state.past : [...state.past, snapshotOf(state)].slice(-historyLimit),
        future: [],
        changeCount: state.changeCount + 1,
        lastCommit: coalesceKey ? { key: coalesceKey, at } : null,
      });
    };

    const restore = (snapshot: GraphSnapshot) => {
      const current = new Map(get().nodes.map((n) => [n.id, n]));
      const nodes = snapshot.nodes.map((n) => toCanvasNode(n, false, current.get(n.id)));
      const edges = snapshot.edges.map((e) => toCanvasEdge(e));
      return { nodes, edges, ...revalidate(nodes, edges) };
    };

    const initialNodes = initial.nodes.map((n) => toCanvasNode(n));
    const initialEdges = initial.edges.map((e) => toCanvasEdge(e));
    const initialCatalog = options.catalog ?? defaultCatalog;
    const initialIssues = validate(initial, { catalog: initialCatalog });

    return {
      nodes: initialNodes,
      edges: initialEdges,
      viewport: initial.viewport,
      past: [],
      future: [],
      clipboard: null,
      issues: initialIssues,
      issuesByNode: issuesPerNode(initialIssues, {}),
      knownSecrets: undefined,
      installationKeys: undefined,
      teamSecrets: undefined,
      allowLocalExecutor: undefined,
      mcpStdioCommands: undefined,
      catalog: initialCatalog,
      changeCount: 0,
      lastRefusal: null,
      dragging: false,
      lastCommit: null,

      load(doc) {
        const nodes = doc.nodes.map((n) => toCanvasNode(n));
        const edges = doc.edges.map((e) => toCanvasEdge(e));
        set({
          nodes,
          edges,
          viewport: doc.viewport,
          past: [],
          future: [],
          lastCommit: null,
          ...revalidate(nodes, edges),
        });
      },

      replaceDocument(doc) {
        commit({
          nodes: doc.nodes.map((n) => toCanvasNode(n)),
          edges: doc.edges.map((e) => toCanvasEdge(e)),
        });
      },

      toDocument() {
        const { nodes, edges, viewport } = get();
        return {
          ...createEmptyWorkflow(),
          nodes: nodes.map(toWorkflowNode),
          edges: edges.map(toWorkflowEdge),
          viewport,
        };
      },

      onNodesChange(changes) {
        const state = get();
        const structural = changes.some(
          (c) => c.type === "add" || c.type === "remove" || c.type === "replace",
        );
        const positions = changes.filter((c) => c.type === "position");
        const nodes = withoutEstimatedPorts(applyNodeChanges(changes, state.nodes), changes);
        if (structural) {
          const removed = new Set(changes.flatMap((c) => (c.type === "remove" ? [c.id] : [])));
          const edges = state.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target));
          commit({ nodes, edges });
          return;
        }
        if (positions.length === 0) {
          set({ nodes });
          return;
        }
        const dragging = positions.some((c) => c.type === "position" && c.dragging === true);
        if (dragging && !state.dragging) {
          // Drag start: the position before the drag is the undo step.
          set({
            nodes,
            dragging: true,
            past: [...state.past, snapshotOf(state)].slice(-historyLimit),
            future: [],
            lastCommit: null,
          });
        } else if (!dragging && state.dragging) {
          set({ nodes, dragging: false, changeCount: state.changeCount + 1 });
        } else if (!dragging) {
          commit({ nodes, edges: state.edges });
        } else {
          set({ nodes });
        }
      },

      onEdgesChange(changes) {
        const state = get();
        const edges = applyEdgeChanges(changes, state.edges);
        if (changes.some((c) => c.type !== "select")) commit({ nodes: state.nodes, edges });
        else set({ edges });
      },

      checkConnection(candidate) {
        const { nodes, edges } = get();
        return canConnect({ nodes, edges }, candidate);
      },

      connect(candidate) {
        const state = get();
        const result = canConnect({ nodes: state.nodes, edges: state.edges }, candidate);
        if (!result.ok) {
          set({ lastRefusal: result.reason });
          return result;
        }
        const edge: CanvasEdge = edgeOfKind(result.kind, candidate.source, candidate.target, newId("edge"));
        set({ lastRefusal: null });
        commit({ nodes: state.nodes, edges: [...state.edges, edge] });
        return result;
      },

      addNode(item, position) {
        const state = get();
        const id = newId(item.type);
        const taken = state.nodes.flatMap((n) => nodeName(n) ?? []);
        const node = toCanvasNode(createNode(item, id, position, taken), true);
        commit({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
          edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        });
        return id;
      },

      addToolNodes(tools) {
        const state = get();
        if (tools.length === 0) return [];
        const taken = state.nodes.flatMap((n) => nodeName(n) ?? []);
        const selectedAgents = state.nodes.filter((n) => n.selected && n.type === "agent");
        const agent = selectedAgents.length === 1 ? selectedAgents[0] : undefined;
        const right = state.nodes.length
          ? Math.max(...state.nodes.map((n) => n.position.x + (n.measured?.width ?? 240)))
          : 0;
        const top = state.nodes.length ? Math.min(...state.nodes.map((n) => n.position.y)) : 0;
        const columns = Math.min(3, tools.length);
        const added = tools.map((data, index) => {
          const id = newId("tool");
          const name = "name" in data && data.kind !== "builtin" ? uniqueName(data.name, taken) : undefined;
          if (name) taken.push(name);
          const position = {
            x: right + 80 + (index % columns) * toolGrid.x,
            y: top + Math.floor(index / columns) * toolGrid.y,
          };
          const node = { id, type: "tool", position, data: name ? { ...data, name } : data } as WorkflowNode;
          return toCanvasNode(node, true);
        });
        const edges = agent
          ? added.map((node) => edgeOfKind("uses-tool", agent.id, node.id, newId("edge")))
          : [];
        commit({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
          edges: [...state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
        });
        return added.map((node) => node.id);
      },

      updateNodeData(id, patch) {
        const state = get();
        const nodes = state.nodes.map((n) =>
          n.id === id ? ({ ...n, data: { ...n.data, ...patch } } as CanvasNode) : n,
        );
        commit({ nodes, edges: state.edges }, `data:${id}:${Object.keys(patch).sort().join(",")}`);
      },

      replaceNodeData(id, data) {
        const state = get();
        const nodes = state.nodes.map((n) => (n.id === id ? ({ ...n, data } as CanvasNode) : n));
        commit({ nodes, edges: state.edges });
      },

      deleteSelection() {
        const state = get();
        const removed = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
        const edges = state.edges.filter(
          (e) => !e.selected && !removed.has(e.source) && !removed.has(e.target),
        );
        if (removed.size === 0 && edges.length === state.edges.length) return;
        commit({ nodes: state.nodes.filter((n) => !removed.has(n.id)), edges });
      },

      selectAll() {
        set((s) => ({
          nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
          edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
        }));
      },

      selectOnly(ids) {
        const wanted = new Set(ids);
        set((s) => ({
          nodes: s.nodes.map((n) =>
            Boolean(n.selected) === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) },
          ),
          edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        }));
      },

      copySelection() {
        const { nodes, edges } = get();
        const picked = nodes.filter((n) => n.selected);
        if (picked.length === 0) return;
        const ids = new Set(picked.map((n) => n.id));
        set({
          clipboard: {
            nodes: picked.map(toWorkflowNode),
            edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(toWorkflowEdge),
          },
        });
      },

      cutSelection() {
        get().copySelection();
        get().deleteSelection();
      },

      forkLibraryAgent(id, graph) {
        const state = get();
        const at = state.nodes.find((n) => n.id === id);
        const [root, ...rest] = graph.nodes;
        if (at?.type !== "agent" || root?.type !== "agent") return;
        const taken = state.nodes.flatMap((n) => (n.id === id ? [] : (nodeName(n) ?? [])));
        const idMap = new Map<string, string>([[root.id, id]]);
        const forked = rest.map((n) => {
          const fresh = newId(n.type);
          idMap.set(n.id, fresh);
          const name = nodeName(n);
          let data = n.data;
          if (name !== undefined && !(n.type === "tool" && n.data.kind === "builtin")) {
            const unique = uniqueName(name, taken);
            taken.push(unique);
            data = { ...n.data, name: unique } as WorkflowNode["data"];
          }
          const position = { x: at.position.x + n.position.x, y: at.position.y + n.position.y };
          return toCanvasNode({ ...n, id: fresh, data, position } as WorkflowNode);
        });
        const edges = graph.edges.flatMap((e) => {
          const source = idMap.get(e.source);
          const target = idMap.get(e.target);
          return source && target ? [toCanvasEdge({ ...e, id: newId("edge"), source, target })] : [];
        });
        commit({
          nodes: [
            ...state.nodes.map((n) =>
              // Its ports change (a library agent has none out), so its size is estimated afresh.
              n.id === id
                ? toCanvasNode({
                    ...root,
                    id,
                    position: at.position,
                    data: { ...root.data, name: at.data.name },
                  })
                : n,
            ),
            ...forked,
          ],
          edges: [...state.edges, ...edges],
        });
      },

      paste(offset = { x: 40, y: 40 }) {
        const state = get();
        const clip = state.clipboard;
        if (!clip || clip.nodes.length === 0) return;
        const taken = state.nodes.flatMap((n) => nodeName(n) ?? []);
        const idMap = new Map<string, string>();
        const pasted = clip.nodes.map((n) => {
          const id = newId(n.type);
          idMap.set(n.id, id);
          const name = nodeName(n);
          const isBuiltin = n.type === "tool" && n.data.kind === "builtin";
          let data = n.data;
          if (name !== undefined && !isBuiltin) {
            const fresh = uniqueName(name, taken);
            taken.push(fresh);
            data = { ...n.data, name: fresh } as WorkflowNode["data"];
          }
          return toCanvasNode(
            {
              ...n,
              id,
              data,
              position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
            } as WorkflowNode,
            true,
          );
        });
        const pastedEdges = clip.edges.map((e) =>
          toCanvasEdge(
            { ...e, id: newId("edge"), source: idMap.get(e.source)!, target: idMap.get(e.target)! },
            true,
          ),
        );
        commit({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted],
          edges: [...state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...pastedEdges],
        });
        // A second paste lands a further step away.
        set({
          clipboard: {
            nodes: clip.nodes.map((n) => ({
              ...n,
              position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
            })),
            edges: clip.edges,
          },
        });
      },

      undo() {
        const state = get();
        const previous = state.past.at(-1);
        if (!previous) return;
        set({
          ...restore(previous),
          past: state.past.slice(0, -1),
          future: [snapshotOf(state), ...state.future].slice(0, historyLimit),
          changeCount: state.changeCount + 1,
          lastCommit: null,
        });
      },

      redo() {
        const state = get();
        const next = state.future[0];
        if (!next) return;
        set({
          ...restore(next),
          past: [...state.past, snapshotOf(state)].slice(-historyLimit),
          future: state.future.slice(1),
          changeCount: state.changeCount + 1,
          lastCommit: null,
        });
      },

      applyPositions(positions) {
        const state = get();
        const nodes = state.nodes.map((n) => {
          const p = positions[n.id];
          return p ? { ...n, position: { x: p.x, y: p.y } } : n;
        });
        commit({ nodes, edges: state.edges });
      },

      setViewport(viewport) {
        set({ viewport });
      },

      setKnownSecrets(names, installationKeys, teamSecrets) {
        set({ knownSecrets: names, installationKeys, teamSecrets });
        const { nodes, edges } = get();
        set(revalidate(nodes, edges));
      },

      setMcpStdioCommands(commands) {
        const current = get().mcpStdioCommands;
        if (current && current.join(",") === commands.join(",")) return;
        set({ mcpStdioCommands: commands });
        const { nodes, edges } = get();
        set(revalidate(nodes, edges));
      },

      setAllowLocalExecutor(allowed) {
        if (allowed === get().allowLocalExecutor) return;
        set({ allowLocalExecutor: allowed });
        const { nodes, edges } = get();
        set(revalidate(nodes, edges));
      },

      setCatalog(catalog) {
        if (catalog === get().catalog) return;
        set({ catalog });
        const { nodes, edges } = get();
        set(revalidate(nodes, edges));
      },
    };
  });
}
