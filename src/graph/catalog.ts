import type { AgentSpec, BuiltinToolName, ToolSpec } from "./agent-spec";
import { builtinToolNames } from "./agent-spec";

/** A shared tool of the team library at one version, resolved to what the engine runs. */
export interface LibraryToolEntry {
  itemId: string;
  version: number;
  name: string;
  tool: ToolSpec;
}

/** A shared agent of the team library at one version: the compiled spec a pinned node runs. */
export interface LibraryAgentEntry {
  itemId: string;
  version: number;
  name: string;
  agent: AgentSpec;
}

/**
 * What the graph layer knows of the world, passed in as data (n8n's `nodeTypes` lesson): which
 * builtin tools this deployment offers and which library tools the team has.
 */
export interface ToolCatalog {
  builtinTools: readonly BuiltinToolName[];
  libraryTools: readonly LibraryToolEntry[];
  /** The team's shared agents (none when absent). */
  libraryAgents?: readonly LibraryAgentEntry[];
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

/** The library entry a library agent node points at. */
export function findLibraryAgent(
  catalog: ToolCatalog,
  itemId: string,
  version: number,
): LibraryAgentEntry | undefined {
  return catalog.libraryAgents?.find((a) => a.itemId === itemId && a.version === version);
}
