"use client";

import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { Button } from "~/components/ui/button";
import type { AutoLayoutRun } from "./use-auto-layout";

/** The auto-layout under way: parts done, seconds spent (ticking while the page is free), and Cancel. */
export function LayoutProgressPanel({ run, onCancel }: { run: AutoLayoutRun; onCancel: () => void }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const { done, total } = useStore(run.progress);
  const share = total > 0 ? done / total : 0;
  const seconds = Math.max(0, (now - run.startedAt) / 1000);
  return (
    <div
      role="status"
      data-testid="layout-progress"
      className="flex w-[26rem] max-w-full items-center gap-3 rounded-md border border-border bg-background px-3 py-2 text-xs shadow-overlay"
    >
      {/* A fixed width: the ticking text must not move the Cancel button. */}
      <div className="min-w-0 flex-1">
        <div className="mb-1 flex justify-between gap-2">
          <span>Laying out {run.nodes.toLocaleString("en")} nodes…</span>
          <span className="tabular-nums text-muted-foreground" data-testid="layout-progress-text">
            {total > 1 ? `part ${Math.min(done + 1, total)} of ${total}, ` : ""}
            {seconds.toFixed(1)} s
          </span>
        </div>
        <div
          className="h-1.5 overflow-hidden rounded bg-muted"
          role="progressbar"
          aria-label="Auto-layout progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(share * 100)}
        >
          <div
            className="h-full bg-primary transition-[width]"
            style={{ width: `${Math.round(share * 100)}%` }}
          />
        </div>
      </div>
      <Button variant="secondary" size="sm" onClick={onCancel}>
        Cancel
      </Button>
    </div>
  );
}
