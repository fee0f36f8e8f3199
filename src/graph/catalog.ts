import { type BuiltinToolName, builtinToolNames, type ToolSpec } from "./agent-spec";

/** A shared tool of the team library at one version, resolved to what the engine runs. */
export interface LibraryToolEntry {
  itemId: string;
  version: number;
  name: string;
  tool: ToolSpec;
}

/**
 * What the graph layer knows of the world, passed in as data (n8n's `nodeTypes` lesson): which
 * builtin tools this deployment offers and which library tools the team has.
 */
export interface ToolCatalog {
  builtinTools: readonly BuiltinToolName[];
  libraryTools: readonly LibraryToolEntry[];
}

/**
 * Every builtin tool and no library: for a document checked outside any team (tests, an import
 * before the team's library has loaded). The server passes `teamToolCatalog(db, teamId)`.
 */
export const defaultCatalog: ToolCatalog = { builtinTools: builtinToolNames, libraryTools: [] };

/** The library entry a library tool node points at. */
export function findLibraryTool(
  catalog: ToolCatalog,
  itemId: string,
  version: number,
): LibraryToolEntry | undefined {
  return catalog.libraryTools.find((t) => t.itemId === itemId && t.version === version);
}
