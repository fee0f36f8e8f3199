"use client";

import { ArrowUpCircle } from "lucide-react";
import { useNewerVersion } from "../library-context";
import { NodeRow } from "./node-shell";

/**
 * The pinned version of a library node (tool or agent), with a mark when the library has a newer
 * one (the inspector upgrades it in one click).
 */
export function LibraryPin({ itemId, version }: { itemId: string; version: number }) {
  const newer = useNewerVersion(itemId, version);
  return (
    <>
      <NodeRow label="version" value={version} />
      {newer ? (
        <div
          data-testid="node-update-available"
          className="flex items-center gap-1 rounded bg-sky-50 px-1.5 py-0.5 text-sky-900 [&_svg]:size-3"
        >
          <ArrowUpCircle aria-hidden /> Update available: v{newer}
        </div>
      ) : null}
    </>
  );
}
