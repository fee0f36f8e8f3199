import type { StoreKernel } from "./kernel";
import type { LayoutActions } from "./state";

/** Node positions as a whole (auto-layout), the viewport and requests to fit it. */
export function layoutSlice({ set, get, commit }: StoreKernel): LayoutActions {
  return {
    fitViewRequest: 0,

    applyPositions(positions) {
      const state = get();
      const nodes = state.nodes.map((n) => {
        const p = positions[n.id];
        return p ? { ...n, position: { x: p.x, y: p.y } } : n;
      });
      commit({ nodes, edges: state.edges });
      get().requestFitView();
    },

    setViewport(viewport) {
      set({ viewport });
    },

    requestFitView() {
      set((s) => ({ fitViewRequest: s.fitViewRequest + 1 }));
    },
  };
}
