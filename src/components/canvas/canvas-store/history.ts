import { historyLimit, type StoreKernel, snapshotOf } from "./kernel";
import type { HistoryState } from "./state";

/** Undo and redo: graph snapshots before (`past`) and after (`future`) the current graph. */
export function historySlice({ set, get, restore }: StoreKernel): HistoryState {
  return {
    past: [],
    future: [],
    lastCommit: null,

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
  };
}
