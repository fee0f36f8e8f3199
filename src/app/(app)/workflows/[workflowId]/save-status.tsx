"use client";

import { CircleAlert, CircleCheck, Loader2 } from "lucide-react";
import type { SaveStatus } from "./use-autosave";

/** "Saved", "Saving…", "Unsaved changes" or the problem, beside the workflow name. */
export function SaveStatusLabel({ status, readOnly }: { status: SaveStatus; readOnly: boolean }) {
  if (readOnly) return <span className="text-xs text-muted-foreground">Read only (viewer)</span>;
  const base = "inline-flex items-center gap-1 text-xs [&_svg]:size-3.5";
  switch (status.state) {
    case "saved":
      return (
        <span data-testid="save-status" data-state="saved" className={`${base} text-muted-foreground`}>
          <CircleCheck /> Saved
        </span>
      );
    case "dirty":
      return (
        <span data-testid="save-status" data-state="dirty" className={`${base} text-muted-foreground`}>
          Unsaved changes
        </span>
      );
    case "saving":
      return (
        <span data-testid="save-status" data-state="saving" className={`${base} text-muted-foreground`}>
          <Loader2 className="animate-spin" /> Saving…
        </span>
      );
    case "conflict":
    case "error":
      return (
        <span
          data-testid="save-status"
          data-state={status.state}
          className={`${base} text-destructive`}
          title={status.message}
        >
          <CircleAlert /> {status.state === "conflict" ? "Changed elsewhere" : "Not saved"}
        </span>
      );
  }
}
