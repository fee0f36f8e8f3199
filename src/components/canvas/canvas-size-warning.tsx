"use client";

import { X } from "lucide-react";
import { useState } from "react";
import { useCanvas } from "./canvas-store-context";

/**
 * The most nodes the canvas is built for: up to here it opens, pans and drags within its targets
 * (bench/canvas: 500 nodes). Beyond it still works, more slowly, so the user is told.
 */
export const canvasNodeBudget = 1000;

/**
 * A warning shown while the graph has more nodes than the canvas is built for: after an import, a
 * paste or any edit that takes it past the budget. Dismissed, it stays away until the graph has gone
 * back under the budget and past it again.
 */
export function CanvasSizeWarning() {
  const count = useCanvas((s) => s.nodes.length);
  const [dismissed, setDismissed] = useState(false);
  const over = count > canvasNodeBudget;
  if (!over && dismissed) setDismissed(false);
  if (!over || dismissed) return null;
  return (
    <div
      role="alert"
      data-testid="canvas-size-warning"
      className="flex max-w-xl items-start gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 shadow-card"
    >
      <p>
        This workflow has {count.toLocaleString("en")} nodes; the canvas is built for up to{" "}
        {canvasNodeBudget.toLocaleString("en")}. Editing, auto-layout and saving will be slow. Consider
        splitting it into agents shared through the library.
      </p>
      <button
        type="button"
        aria-label="Dismiss the size warning"
        className="shrink-0 rounded p-0.5 hover:bg-amber-100"
        onClick={() => setDismissed(true)}
      >
        <X className="size-3.5" />
      </button>
    </div>
  );
}
