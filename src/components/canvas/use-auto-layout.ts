"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { createStore, type StoreApi } from "zustand/vanilla";
import { toast } from "~/components/ui/toaster";
import type { LayoutProgress } from "./auto-layout";
import type { CanvasStore } from "./canvas-store/state";
import { LayoutCancelledError, type RunningLayout, startLayout } from "./layout-runner";

/**
 * An auto-layout under way: how many nodes, since when, and how far it has come. Progress is a store of
 * its own, so only the progress panel redraws as parts are laid out, not the canvas around it.
 */
export interface AutoLayoutRun {
  nodes: number;
  startedAt: number;
  progress: StoreApi<LayoutProgress>;
}

/**
 * Auto-layout through the layout worker: `start` lays out the selection (when several nodes are
 * selected) or the whole graph and commits the positions as one undo step; `cancel` stops it with
 * nothing moved. `running` is what the progress panel shows.
 */
export function useAutoLayout(store: CanvasStore) {
  const [running, setRunning] = useState<AutoLayoutRun | null>(null);
  const current = useRef<RunningLayout | null>(null);

  const cancel = useCallback(() => current.current?.cancel(), []);
  useEffect(() => () => current.current?.cancel(), []);

  const start = useCallback(async () => {
    if (current.current) return;
    const { nodes, edges, changeCount } = store.getState();
    const selected = nodes.filter((n) => n.selected);
    const subject = selected.length > 1 ? selected : nodes;
    if (subject.length === 0) return;
    const progress = createStore<LayoutProgress>(() => ({ done: 0, total: 1 }));
    const layout = startLayout(subject, edges, (next) => progress.setState(next, true));
    current.current = layout;
    setRunning({ nodes: subject.length, startedAt: performance.now(), progress });
    try {
      const positions = await layout.result;
      if (store.getState().changeCount !== changeCount) {
        toast.error("The graph changed while it was being laid out; nothing was moved. Try again.");
        return;
      }
      store.getState().applyPositions(positions);
    } catch (error) {
      if (error instanceof LayoutCancelledError) toast.success("Auto-layout cancelled; nothing was moved.");
      else toast.error(`Auto-layout failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      current.current = null;
      setRunning(null);
    }
  }, [store]);

  return { running, start, cancel };
}
