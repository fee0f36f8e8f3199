import type { StoreKernel } from "./kernel";
import type { LayoutActions } from "./state";

/** Node positions as a whole (auto-layout) and the viewport. */
export function layoutSlice({ set, get, commit }: StoreKernel): LayoutActions {
  return {
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
  };
}
