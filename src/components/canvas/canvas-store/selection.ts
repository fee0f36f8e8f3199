import type { StoreKernel } from "./kernel";
import type { SelectionActions } from "./state";

/** Selecting nodes and edges; selection is not a document change (no undo step, no autosave). */
export function selectionSlice({ set }: StoreKernel): SelectionActions {
  return {
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
  };
}
