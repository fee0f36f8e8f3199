"use client";

import {
  type Connection,
  ConnectionLineType,
  Controls,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
  Panel,
  ReactFlow,
  type ReactFlowInstance,
  ReactFlowProvider,
  type ReactFlowState,
  useReactFlow,
  useStore,
  type Viewport,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { LayoutGrid, Maximize, Redo2, Undo2 } from "lucide-react";
import {
  type DragEvent,
  memo,
  type ReactNode,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { Button } from "~/components/ui/button";
import { getRootAgents, type PaletteItem } from "~/graph";
import { CanvasMinimap } from "./canvas-minimap";
import { CanvasSizeWarning } from "./canvas-size-warning";
import { useCanvas, useCanvasStore } from "./canvas-store-context";
import { type CanvasEdge, type CanvasNode, toWorkflowEdge, toWorkflowNode } from "./canvas-types";
import { DotBackground } from "./dot-background";
import { findFreeSpot } from "./free-spot";
import { Inspector } from "./inspector";
import { commandForKey, isTypingTarget, shortcutLabels } from "./keyboard-shortcuts";
import { LayoutProgressPanel } from "./layout-progress";
import { libraryPaletteItems, useCanvasLibrary } from "./library-context";
import { defaultNodeSize } from "./node-geometry";
import { canvasNodeTypes } from "./nodes";
import { Palette, readPaletteDrop } from "./palette";
import { type AutoLayoutRun, useAutoLayout } from "./use-auto-layout";
import { canvasEdgeTypes, edgeColors } from "./workflow-edge";

/** Above this many nodes the canvas renders only what is on screen and opens on the top agent. */
const largeGraph = 200;
/**
 * The room click-to-add keeps free for a new node: wider than the estimate is tall, since a new node
 * usually shows an issue or two ("Connect a model to this agent") that make it taller.
 */
const clickToAddRoom = { width: defaultNodeSize.width, height: 180 };
/** Below this zoom node text is too small to read: nodes show their name only (see NodeShell). */
export const overviewZoom = 0.45;
const isOverview = (s: ReactFlowState) => s.transform[2] < overviewZoom;

const minimapColor = (node: CanvasNode) =>
  ({ agent: "#8b5cf6", model: "#0ea5e9", tool: "#10b981", mcp: "#14b8a6", sandbox: "#f59e0b" })[node.type];

/**
 * The canvas builder: palette, React Flow canvas with toolbar and minimap, inspector. The palette's
 * Library section lists the items of the `CanvasLibraryProvider` around it.
 */
export function WorkflowCanvas(props: {
  readOnly?: boolean;
  /** Extra toolbar content (save state, run button, ...), drawn on the right. */
  toolbar?: ReactNode;
}) {
  return (
    <ReactFlowProvider>
      <CanvasLayout {...props} />
    </ReactFlowProvider>
  );
}

function CanvasLayout({ readOnly = false, toolbar }: { readOnly?: boolean; toolbar?: ReactNode }) {
  const store = useCanvasStore();
  const libraryItems = useCanvasLibrary().items;
  const library = useMemo(() => libraryPaletteItems(libraryItems), [libraryItems]);
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const wrapper = useRef<HTMLDivElement>(null);

  /** Click-to-add: the free spot in view nearest its middle, never on top of another node. */
  const addAtCenter = useCallback(
    (item: PaletteItem) => {
      const box = wrapper.current?.getBoundingClientRect();
      const center = box
        ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
        : { x: 0, y: 0 };
      // The view below the toolbar, in flow coordinates.
      const within = box
        ? (() => {
            const from = flow.screenToFlowPosition({ x: box.left + 8, y: box.top + 64 });
            const to = flow.screenToFlowPosition({ x: box.right - 8, y: box.bottom - 8 });
            return { x: from.x, y: from.y, width: to.x - from.x, height: to.y - from.y };
          })()
        : undefined;
      const occupied = store.getState().nodes.map((n) => ({
        x: n.position.x,
        y: n.position.y,
        width: n.measured?.width ?? defaultNodeSize.width,
        height: n.measured?.height ?? defaultNodeSize.height,
      }));
      const spot = findFreeSpot(occupied, clickToAddRoom, center, { within, gap: 32 });
      store.getState().addNode(item, spot);
      const inView =
        !within ||
        (spot.x >= within.x &&
          spot.y >= within.y &&
          spot.x + clickToAddRoom.width <= within.x + within.width &&
          spot.y + clickToAddRoom.height <= within.y + within.height);
      // The view had no room: it moves to the new node.
      if (!inView) {
        void flow.setCenter(spot.x + clickToAddRoom.width / 2, spot.y + clickToAddRoom.height / 2, {
          zoom: flow.getZoom(),
          duration: 200,
        });
      }
    },
    [flow, store],
  );

  const autoLayout = useAutoLayout(store);
  const layout = autoLayout.start;

  useEffect(() => {
    // A pan or a node drag captures the pointer on the element pressed: its moves then go straight
    // there instead of being hit-tested through every node and edge under it (15 ms a move with 500
    // on screen). Ports are left alone: a connection finds its target under the pointer.
    const element = wrapper.current;
    const capture = (event: PointerEvent) => {
      const target = event.target as Element | null;
      if (event.button !== 0 || !target) return;
      const pane = target.classList.contains("react-flow__pane");
      const nodeBody = target.closest(".react-flow__node") && !target.closest(".react-flow__handle, .nodrag");
      if (pane || nodeBody) target.setPointerCapture(event.pointerId);
    };
    element?.addEventListener("pointerdown", capture, true);
    return () => element?.removeEventListener("pointerdown", capture, true);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target)) return;
      if ((event.target as HTMLElement | null)?.closest?.("[role='dialog']")) return;
      const command = commandForKey(event);
      if (!command) return;
      const s = store.getState();
      const editing = !readOnly;
      const run: Record<typeof command, () => void> = {
        undo: () => editing && s.undo(),
        redo: () => editing && s.redo(),
        copy: () => s.copySelection(),
        cut: () => editing && s.cutSelection(),
        paste: () => editing && s.paste(),
        selectAll: () => s.selectAll(),
        delete: () => editing && s.deleteSelection(),
        fitView: () => void flow.fitView({ padding: 0.15, duration: 200 }),
        autoLayout: () => editing && void layout(),
      };
      event.preventDefault();
      run[command]();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [store, flow, layout, readOnly]);

  return (
    <div className="flex h-full min-h-0 flex-1">
      <Palette library={library} onAdd={addAtCenter} disabled={readOnly} />
      <div ref={wrapper} className="relative min-w-0 flex-1" data-testid="canvas">
        <Flow
          readOnly={readOnly}
          toolbar={toolbar}
          onLayout={layout}
          layoutRun={autoLayout.running}
          onCancelLayout={autoLayout.cancel}
        />
      </div>
      <Inspector readOnly={readOnly} />
    </div>
  );
}

/** Props handed to React Flow that never change: new identities per render would reach its store. */
const proOptions = { hideAttribution: true };
const multiSelectionKeys = ["Meta", "Control", "Shift"];
const onDragOver = (event: DragEvent) => {
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
};

/**
 * The React Flow canvas. It re-renders on every drag frame (the nodes are controlled), so
 * everything it passes down keeps its identity between renders — React Flow copies each changed
 * prop into its store, and every store update runs the selectors of every mounted node, handle and
 * edge — and the panels are memoised components that subscribe to what they show.
 */
function Flow({
  readOnly,
  toolbar,
  onLayout,
  layoutRun,
  onCancelLayout,
}: {
  readOnly: boolean;
  toolbar?: ReactNode;
  onLayout: () => void;
  layoutRun: AutoLayoutRun | null;
  onCancelLayout: () => void;
}) {
  const store = useCanvasStore();
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const nodes = useCanvas((s) => s.nodes);
  const edges = useCanvas((s) => s.edges);
  const refusal = useCanvas((s) => s.lastRefusal);
  const fitViewRequest = useCanvas((s) => s.fitViewRequest);
  const [hint, setHint] = useState<string | null>(null);
  const initialViewport = useRef(store.getState().viewport);

  useEffect(() => {
    if (!refusal) return;
    setHint(refusal);
    const timer = setTimeout(() => setHint(null), 4000);
    return () => clearTimeout(timer);
  }, [refusal]);

  const handlers = useMemo(
    () => ({
      onNodesChange: (changes: NodeChange<CanvasNode>[]) => store.getState().onNodesChange(changes),
      onEdgesChange: (changes: EdgeChange<CanvasEdge>[]) => store.getState().onEdgesChange(changes),
      onConnect: (connection: Connection) => void store.getState().connect(connection),
      onMoveEnd: (_: unknown, viewport: Viewport) => store.getState().setViewport(viewport),
      isValidConnection: (c: Connection | CanvasEdge) => store.getState().checkConnection(c).ok,
    }),
    [store],
  );

  // After an auto-layout or a replaced document: this effect runs once React Flow (a child) has taken
  // the new nodes, so the fit sees where they are now.
  useEffect(() => {
    if (fitViewRequest > 0) void flow.fitView({ padding: 0.15, duration: 200 });
  }, [fitViewRequest, flow]);

  const onConnectEnd = useCallback(
    (_: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.fromNode || !state.toNode) return;
      const fromSource = state.fromHandle?.type === "source";
      const candidate = fromSource
        ? {
            source: state.fromNode.id,
            target: state.toNode.id,
            sourceHandle: state.fromHandle?.id,
            targetHandle: state.toHandle?.id,
          }
        : {
            source: state.toNode.id,
            target: state.fromNode.id,
            sourceHandle: state.toHandle?.id,
            targetHandle: state.fromHandle?.id,
          };
      const result = store.getState().checkConnection(candidate);
      if (!result.ok) setHint(result.reason);
    },
    [store],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      if (readOnly) return;
      const item = readPaletteDrop(event);
      if (!item) return;
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(item, { x: at.x - 112, y: at.y - 30 });
    },
    [flow, readOnly, store],
  );

  const onInit = useCallback(
    (instance: ReactFlowInstance<CanvasNode, CanvasEdge>) => {
      const v = initialViewport.current;
      const { nodes: all, edges: links } = store.getState();
      if (v.x !== 0 || v.y !== 0 || v.zoom !== 1 || all.length === 0) return;
      if (all.length <= largeGraph) {
        void instance.fitView({ padding: 0.15, maxZoom: 1 });
        return;
      }
      // A large graph fitted whole is unreadable and renders every node: start at the top agent
      // and what it connects to; the minimap and fit view show the rest.
      const root = getRootAgents({ nodes: all.map(toWorkflowNode), edges: links.map(toWorkflowEdge) })[0];
      const near = new Set(
        root ? [root.id, ...links.filter((e) => e.source === root.id).map((e) => e.target)] : [],
      );
      void instance.fitView({
        padding: 0.15,
        maxZoom: 1,
        minZoom: 0.5,
        nodes: all.filter((n) => near.has(n.id)),
      });
    },
    [store],
  );

  const large = nodes.length > largeGraph;
  const empty = nodes.length === 0;
  const overview = useStore(isOverview);

  return (
    <ReactFlow<CanvasNode, CanvasEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={canvasNodeTypes}
      edgeTypes={canvasEdgeTypes}
      onNodesChange={handlers.onNodesChange}
      onEdgesChange={handlers.onEdgesChange}
      onConnect={handlers.onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={handlers.isValidConnection}
      onMoveEnd={handlers.onMoveEnd}
      onInit={onInit}
      defaultViewport={initialViewport.current}
      onDragOver={onDragOver}
      onDrop={onDrop}
      deleteKeyCode={null}
      selectionKeyCode="Shift"
      multiSelectionKeyCode={multiSelectionKeys}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      edgesReconnectable={false}
      connectionLineType={ConnectionLineType.Bezier}
      onlyRenderVisibleElements={large}
      minZoom={0.01}
      maxZoom={2}
      proOptions={proOptions}
      className={overview ? "canvas-overview" : undefined}
    >
      <CanvasChrome
        readOnly={readOnly}
        toolbar={toolbar}
        onLayout={onLayout}
        layoutRun={layoutRun}
        onCancelLayout={onCancelLayout}
        hint={hint}
        empty={empty}
      />
    </ReactFlow>
  );
}

/** Background, minimap, zoom controls and panels: memoised, so a drag frame does not redraw them. */
const CanvasChrome = memo(function CanvasChrome({
  readOnly,
  toolbar,
  onLayout,
  layoutRun,
  onCancelLayout,
  hint,
  empty,
}: {
  readOnly: boolean;
  toolbar?: ReactNode;
  onLayout: () => void;
  layoutRun: AutoLayoutRun | null;
  onCancelLayout: () => void;
  hint: string | null;
  empty: boolean;
}) {
  const store = useCanvasStore();
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const canUndo = useCanvas((s) => s.past.length > 0);
  const canRedo = useCanvas((s) => s.future.length > 0);
  return (
    <>
      <DotBackground gap={18} size={1} />
      {empty ? null : <CanvasMinimap color={minimapColor} />}
      <Controls showInteractive={false} showFitView={false} position="bottom-left" />
      <Panel
        position="top-left"
        className="!m-2 flex items-center gap-1 rounded-md border border-border bg-background/95 p-1 shadow-card"
      >
        <Button
          variant="ghost"
          size="icon"
          aria-label="Undo"
          title={`Undo (${shortcutLabels.undo})`}
          disabled={readOnly || !canUndo}
          onClick={() => store.getState().undo()}
        >
          <Undo2 />
        </Button>
        <Button
          variant="ghost"
          size="icon"
          aria-label="Redo"
          title={`Redo (${shortcutLabels.redo})`}
          disabled={readOnly || !canRedo}
          onClick={() => store.getState().redo()}
        >
          <Redo2 />
        </Button>
        <span className="mx-0.5 h-5 w-px bg-border" />
        <Button
          variant="ghost"
          size="icon"
          aria-label="Auto-layout"
          title={`Auto-layout (${shortcutLabels.autoLayout}); only the selection when several nodes are selected`}
          disabled={readOnly || layoutRun !== null}
          onClick={onLayout}
        >
          <LayoutGrid />
        </Button>
        <Button
          variant="ghost"
          size="icon"
          aria-label="Fit view"
          title={`Fit view (${shortcutLabels.fitView})`}
          onClick={() => void flow.fitView({ padding: 0.15, duration: 200 })}
        >
          <Maximize />
        </Button>
      </Panel>
      <Panel position="top-center" className="!mt-14 flex flex-col items-center gap-2">
        <CanvasSizeWarning />
        {layoutRun ? <LayoutProgressPanel run={layoutRun} onCancel={onCancelLayout} /> : null}
      </Panel>
      {toolbar ? (
        <Panel position="top-right" className="!m-2 flex items-center gap-2">
          {toolbar}
        </Panel>
      ) : null}
      <Panel position="bottom-center" className="!mb-3">
        {hint ? (
          <div
            role="status"
            data-testid="connection-hint"
            className="rounded-md bg-foreground px-3 py-1.5 text-xs text-background shadow-overlay"
          >
            {hint}
          </div>
        ) : empty ? (
          <div className="rounded-md border border-dashed border-border bg-background px-3 py-1.5 text-xs text-muted-foreground">
            Drag a CodeAgent from the palette to start, then connect a model to its{" "}
            <span style={{ color: edgeColors["uses-model"] }}>model</span> port, or start from a template.
          </div>
        ) : null}
      </Panel>
    </>
  );
});
