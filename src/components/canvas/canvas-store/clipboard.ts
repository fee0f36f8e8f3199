import { uniqueName, type WorkflowNode } from "~/graph";
import { toCanvasEdge, toCanvasNode, toWorkflowEdge, toWorkflowNode } from "../canvas-types";
import { deselected, nodeName, type StoreKernel } from "./kernel";
import type { ClipboardState } from "./state";

/** Copy, cut and paste: the clipboard holds graph nodes and the edges between them. */
export function clipboardSlice({ set, get, newId, commit }: StoreKernel): ClipboardState {
  return {
    clipboard: null,

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
      const rest = deselected(state);
      commit({ nodes: [...rest.nodes, ...pasted], edges: [...rest.edges, ...pastedEdges] });
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
  };
}
