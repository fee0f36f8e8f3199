"use client";

import { ArrowUpCircle } from "lucide-react";
import { Button } from "~/components/ui/button";
import type { CanvasLibraryItem, CanvasLibraryVersion } from "./library-context";

/**
 * The head of a pinned library node's inspector, the same for tools and agents: the item's name and
 * description, the version it is pinned to, and an "update available" mark with a one-click upgrade.
 */
export function LibraryVersionPicker({
  id,
  item,
  version,
  readOnly,
  onPin,
}: {
  id: string;
  item: CanvasLibraryItem;
  version: number;
  readOnly: boolean;
  onPin: (version: number) => void;
}) {
  const pinned = item.versions.some((v) => v.version === version);
  return (
    <>
      <div>
        <p className="font-mono text-sm font-medium">{item.name}</p>
        {item.description ? <p className="mt-0.5 text-xs text-muted-foreground">{item.description}</p> : null}
      </div>
      <div>
        <label className="mb-1 block text-xs font-medium" htmlFor={`${id}-library-version`}>
          Version
        </label>
        <select
          id={`${id}-library-version`}
          data-testid="library-version"
          disabled={readOnly}
          className="w-full rounded-md border border-input bg-background px-2 py-1 text-sm"
          value={version}
          onChange={(e) => onPin(Number(e.target.value))}
        >
          {pinned ? null : <option value={version}>v{version} (not in the library)</option>}
          {item.versions.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version}
              {v.version === item.latestVersion ? " (latest)" : ""}
              {v.message ? ` — ${v.message}` : ""}
            </option>
          ))}
        </select>
      </div>
      {version < item.latestVersion ? (
        <div
          data-testid="library-update-available"
          className="flex items-center justify-between gap-2 rounded-md bg-sky-50 px-2 py-1.5 text-xs text-sky-900"
        >
          <span>Update available: v{item.latestVersion}</span>
          {readOnly ? null : (
            <Button
              size="sm"
              variant="ghost"
              className="h-6 px-2 text-xs"
              data-testid="library-upgrade"
              onClick={() => onPin(item.latestVersion)}
            >
              <ArrowUpCircle /> Update
            </Button>
          )}
        </div>
      ) : null}
    </>
  );
}

/** Who shared a version, when, and its changelog message. */
export function SharedBy({ version }: { version: CanvasLibraryVersion }) {
  return (
    <p className="text-xs text-muted-foreground">
      v{version.version} shared {version.createdBy ? `by ${version.createdBy} ` : ""}on{" "}
      {version.createdAt.toLocaleDateString()}
      {version.message ? `: ${version.message}` : "."}
    </p>
  );
}
