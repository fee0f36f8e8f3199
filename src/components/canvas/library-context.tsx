"use client";

import { createContext, type ReactNode, useContext } from "react";
import {
  defaultCatalog,
  type LibraryToolSpec,
  type ShareableToolData,
  type SharedAgent,
  type ToolCatalog,
} from "~/graph";
import type { LibraryPaletteItem } from "./palette";

/** One version of a library item, as the canvas shows it: a tool's spec, or an agent's spec and sub-graph. */
export interface CanvasLibraryVersion {
  version: number;
  message: string;
  /** The definition: the latest version's comes with the list, others once fetched (`library.version`). */
  tool?: LibraryToolSpec | undefined;
  agent?: SharedAgent | undefined;
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

/** What a share answered: the version the item is at, and whether this share added it. */
export interface SharedVersion {
  itemId: string;
  version: number;
  unchanged: boolean;
}

/**
 * What the canvas knows of the team library, provided by the page that hosts the canvas (which
 * talks to the server): the items, and whether and how the caller can share a tool or an agent.
 */
export interface CanvasLibrary {
  items: readonly CanvasLibraryItem[];
  /** Editors and up may share. */
  canShare: boolean;
  /** Share a python/http tool's data; resolves to the version it is at, rejects with a message. */
  share?: (tool: ShareableToolData, message: string) => Promise<SharedVersion>;
  /** Share an agent node of the canvas with what it reaches; resolves as `share`. */
  shareAgent?: (nodeId: string, message: string) => Promise<SharedVersion>;
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

/** The newest version of an item when it is newer than `version` (a pinned node's "update available"). */
export function useNewerVersion(itemId: string, version: number): number | undefined {
  const item = useCanvasLibrary().items.find((i) => i.id === itemId);
  return item && item.latestVersion > version ? item.latestVersion : undefined;
}

/**
 * The catalog the canvas validates with: every builtin tool and every version of the team's items
 * whose definition the canvas has (as the server does with all of them).
 */
export function libraryCatalog(items: readonly CanvasLibraryItem[]): ToolCatalog {
  const versions = items.flatMap((item) => item.versions.map((v) => ({ item, v })));
  return {
    builtinTools: defaultCatalog.builtinTools,
    libraryTools: versions.flatMap(({ item, v }) =>
      v.tool ? [{ itemId: item.id, version: v.version, name: item.name, tool: v.tool }] : [],
    ),
    libraryAgents: versions.flatMap(({ item, v }) =>
      v.agent ? [{ itemId: item.id, version: v.version, name: item.name, agent: v.agent.spec }] : [],
    ),
  };
}

/** The library refs (`itemId@version`) of a graph's library tool and agent nodes, sorted: a stable key. */
export function libraryRefsOf(nodes: readonly { type?: string; data: unknown }[]): string {
  const refs = new Set<string>();
  for (const node of nodes) {
    const data = node.data as {
      kind?: unknown;
      itemId?: unknown;
      version?: unknown;
      library?: { itemId?: unknown; version?: unknown } | null;
    };
    if (node.type === "tool" && data.kind === "library") refs.add(`${data.itemId}@${data.version}`);
    if (node.type === "agent" && data.library) refs.add(`${data.library.itemId}@${data.library.version}`);
  }
  return [...refs].sort().join(",");
}

/** The palette's Library section: each item at its latest version. */
export function libraryPaletteItems(items: readonly CanvasLibraryItem[]): LibraryPaletteItem[] {
  return items.flatMap((item): LibraryPaletteItem[] => {
    const latest = item.versions[0];
    if (!latest) return [];
    const pin = { itemId: item.id, version: latest.version, name: item.name };
    if (!latest.agent) return [{ ...pin, kind: "tool" }];
    const { spec } = latest.agent;
    return [
      {
        ...pin,
        kind: "agent",
        agentType: spec.type,
        description: spec.description,
        maxSteps: spec.maxSteps,
      },
    ];
  });
}
