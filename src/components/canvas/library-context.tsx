"use client";

import { createContext, type ReactNode, useContext } from "react";
import { defaultCatalog, type LibraryToolSpec, type ShareableToolData, type ToolCatalog } from "~/graph";
import type { LibraryPaletteItem } from "./palette";

/** One version of a library item, as the canvas shows it. */
export interface CanvasLibraryVersion {
  version: number;
  message: string;
  /** The definition: the latest version's comes with the list, others once fetched (`library.version`). */
  tool?: LibraryToolSpec | undefined;
  createdAt: Date;
  createdBy: string | null;
}

/** A library item of the workflow's team (the shape of `library.list`'s items). */
export interface CanvasLibraryItem {
  id: string;
  name: string;
  description: string;
  latestVersion: number;
  /** Newest first. */
  versions: readonly CanvasLibraryVersion[];
}

/**
 * What the canvas knows of the team library, provided by the page that hosts the canvas (which
 * talks to the server): the items, and whether and how the caller can share a tool.
 */
export interface CanvasLibrary {
  items: readonly CanvasLibraryItem[];
  /** Editors and up may share. */
  canShare: boolean;
  /** Share a python/http tool's data; resolves to the version it became, rejects with a message. */
  share?: (tool: ShareableToolData, message: string) => Promise<{ itemId: string; version: number }>;
}

const emptyLibrary: CanvasLibrary = { items: [], canShare: false };
const CanvasLibraryContext = createContext<CanvasLibrary>(emptyLibrary);

/** Makes the team library available to the inspector. Without it, the canvas has no library. */
export function CanvasLibraryProvider({
  library,
  children,
}: {
  library: CanvasLibrary;
  children: ReactNode;
}) {
  return <CanvasLibraryContext.Provider value={library}>{children}</CanvasLibraryContext.Provider>;
}

/** The team library of the canvas (empty outside a provider). */
export function useCanvasLibrary(): CanvasLibrary {
  return useContext(CanvasLibraryContext);
}

/**
 * The catalog the canvas validates with: every builtin tool and every version of the team's items
 * whose definition the canvas has (as the server does with all of them).
 */
export function libraryCatalog(items: readonly CanvasLibraryItem[]): ToolCatalog {
  return {
    builtinTools: defaultCatalog.builtinTools,
    libraryTools: items.flatMap((item) =>
      item.versions.flatMap((v) =>
        v.tool ? [{ itemId: item.id, version: v.version, name: item.name, tool: v.tool }] : [],
      ),
    ),
  };
}

/** The library refs (`itemId@version`) of a graph's library tool nodes, sorted: a stable key. */
export function libraryRefsOf(nodes: readonly { type?: string; data: unknown }[]): string {
  const refs = new Set<string>();
  for (const node of nodes) {
    const data = node.data as { kind?: unknown; itemId?: unknown; version?: unknown };
    if (node.type === "tool" && data.kind === "library") refs.add(`${data.itemId}@${data.version}`);
  }
  return [...refs].sort().join(",");
}

/** The palette's Library section: each item at its latest version. */
export function libraryPaletteItems(items: readonly CanvasLibraryItem[]): LibraryPaletteItem[] {
  return items.flatMap((item) => {
    const latest = item.versions[0];
    return latest ? [{ itemId: item.id, version: latest.version, name: item.name }] : [];
  });
}
