import { applyEdgeChanges, applyNodeChanges, type NodeChange } from "@xyflow/react";
import {
  canConnect,
  createEmptyWorkflow,
  createNode,
  edgeOfKind,
  uniqueName,
  type WorkflowNode,
} from "~/graph";
import {
  type CanvasEdge,
  type CanvasNode,
  toCanvasEdge,
  toCanvasNode,
  toWorkflowEdge,
  toWorkflowNode,
} from "../canvas-types";
import { deselected, historyLimit, nodeName, type StoreKernel, snapshotOf } from "./kernel";
import type { GraphEditActions } from "./state";

/** Spacing of the grid that imported tool nodes are laid out in (they never land on each other). */
const toolGrid = { x: 280, y: 200 };

/**
 * Once React Flow has measured a node, its port estimate (`handles`, see node-geometry.ts) goes:
 * React Flow otherwise puts the estimate back over the measured ports whenever the node changes.
 */
function withoutEstimatedPorts(nodes: CanvasNode[], changes: NodeChange<CanvasNode>[]): CanvasNode[] {
  const measured = new Set(changes.flatMap((c) => (c.type === "dimensions" ? [c.id] : [])));
  if (measured.size === 0) return nodes;
  return nodes.map((n) => (measured.has(n.id) && n.handles ? { ...n, handles: undefined } : n));
}

/** Loading, replacing and editing the graph: nodes, edges, connections and node data. */
export function graphEditsSlice({ set, get, newId, commit, revalidate }: StoreKernel): GraphEditActions {
  return {
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
      get().requestFitView();
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
      const structural = changes.some((c) => c.type === "add" || c.type === "remove" || c.type === "replace");
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
      const rest = deselected(state);
      commit({ nodes: [...rest.nodes, node], edges: rest.edges });
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
      const rest = deselected(state);
      commit({ nodes: [...rest.nodes, ...added], edges: [...rest.edges, ...edges] });
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
  };
}
