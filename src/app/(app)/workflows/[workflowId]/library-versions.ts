import type { CanvasLibraryItem, CanvasLibraryVersion } from "~/components/canvas";
import type { RouterOutputs } from "~/trpc/react";

/** Library items the editor lists for the palette and validation (the list's largest page). */
export const LIBRARY_PAGE_FOR_CANVAS = 100;

type ListedItem = RouterOutputs["library"]["list"]["items"][number];
type FetchedVersion = RouterOutputs["library"]["version"];

/** A version's definition as the canvas keeps it: a tool item's `tool`, or an agent item's `agent`. */
function definitionOf(
  version: { tool: CanvasLibraryVersion["tool"] } | { agent: CanvasLibraryVersion["agent"] },
): Pick<CanvasLibraryVersion, "tool" | "agent"> {
  return "agent" in version ? { agent: version.agent } : { tool: version.tool };
}

/** A listed item as the canvas sees it: its versions, the latest with its definition. */
export function canvasLibraryItem(item: ListedItem): CanvasLibraryItem {
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    latestVersion: item.latestVersion,
    versions: item.versions.map((v) => ({
      version: v.version,
      message: v.message,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      ...(item.latest?.version === v.version ? definitionOf(item.latest) : {}),
    })),
  };
}

/** The refs in `refsKey` (see `libraryRefsOf`) whose definition `items` does not carry. */
export function missingLibraryRefs(
  items: readonly CanvasLibraryItem[],
  refsKey: string,
): { itemId: string; version: number }[] {
  return refsKey
    .split(",")
    .filter((ref) => ref !== "")
    .flatMap((ref) => {
      const at = ref.lastIndexOf("@");
      const itemId = ref.slice(0, at);
      const version = Number(ref.slice(at + 1));
      if (!itemId || !Number.isInteger(version) || version < 1) return [];
      const known = items.find((item) => item.id === itemId)?.versions.find((v) => v.version === version);
      return known?.tool || known?.agent ? [] : [{ itemId, version }];
    });
}

/** `items` with the fetched versions' definitions filled in (an item beyond the listed page added). */
export function withPinnedVersions(
  items: readonly CanvasLibraryItem[],
  fetched: readonly FetchedVersion[],
): CanvasLibraryItem[] {
  const result = items.map((item) => ({ ...item, versions: [...item.versions] }));
  for (const version of fetched) {
    let item = result.find((candidate) => candidate.id === version.item.id);
    if (!item) {
      const { itemKind: _kind, ...listed } = version.item;
      item = { ...listed, versions: [] };
      result.push(item);
    }
    const entry = {
      version: version.version,
      message: version.message,
      createdAt: version.createdAt,
      createdBy: version.createdBy,
      ...definitionOf(version),
    };
    const index = item.versions.findIndex((v) => v.version === version.version);
    if (index >= 0) item.versions[index] = entry;
    else item.versions.push(entry);
  }
  return result;
}
