import "server-only";
import {
  agentSpecSchema,
  builtinToolNames,
  type LibraryAgentEntry,
  type LibraryToolEntry,
  libraryToolSpecSchema,
  type ToolCatalog,
  type WorkflowDocument,
} from "~/graph";
import type { PrismaClient } from "~/server/db";
import { logger } from "~/server/logger";

type LibraryReader = Pick<PrismaClient, "libraryItemVersion">;

/** The library references (item and version) of a document's library tool and agent nodes. */
function libraryRefs(doc: WorkflowDocument): { itemId: string; version: number }[] {
  const refs = new Map<string, { itemId: string; version: number }>();
  for (const node of doc.nodes) {
    if (node.type === "tool" && node.data.kind === "library") {
      refs.set(`${node.data.itemId}@${node.data.version}`, {
        itemId: node.data.itemId,
        version: node.data.version,
      });
    } else if (node.type === "agent" && node.data.library) {
      const { itemId, version } = node.data.library;
      refs.set(`${itemId}@${version}`, { itemId, version });
    }
  }
  return [...refs.values()];
}

/**
 * What a team's workflows can use: every builtin tool and every version of the team's library
 * items (tools and agents). The server validates and compiles a team's graphs against this, so a library node of
 * another team's item (or of a removed one) is "not found", whatever ids it names.
 *
 * `for`: load only the versions that document references (autosave validates often; a library can
 * hold many large tools). The result is the same for that document.
 */
export async function teamToolCatalog(
  db: LibraryReader,
  teamId: string,
  options: { for?: WorkflowDocument } = {},
): Promise<ToolCatalog> {
  const refs = options.for ? libraryRefs(options.for) : undefined;
  if (refs?.length === 0) return { builtinTools: builtinToolNames, libraryTools: [], libraryAgents: [] };
  const rows = await db.libraryItemVersion.findMany({
    where: { item: { teamId }, ...(refs ? { OR: refs } : {}) },
    orderBy: [{ itemId: "asc" }, { version: "asc" }],
    select: { itemId: true, version: true, tool: true, agent: true, item: { select: { name: true } } },
  });
  const libraryTools: LibraryToolEntry[] = [];
  const libraryAgents: LibraryAgentEntry[] = [];
  for (const row of rows) {
    if (row.agent !== null) {
      const agent = agentSpecSchema.safeParse(row.agent);
      if (agent.success) {
        libraryAgents.push({
          itemId: row.itemId,
          version: row.version,
          name: row.item.name,
          agent: agent.data,
        });
      } else {
        logger.error({ itemId: row.itemId, version: row.version }, "stored library agent does not parse");
      }
      continue;
    }
    const tool = libraryToolSpecSchema.safeParse(row.tool);
    if (tool.success) {
      libraryTools.push({ itemId: row.itemId, version: row.version, name: row.item.name, tool: tool.data });
    } else {
      // Only `library.share` writes versions, after this same schema: a bad row is a bug, and the
      // version is left out (its nodes show "not found") rather than failing every graph of the team.
      logger.error({ itemId: row.itemId, version: row.version }, "stored library tool does not parse");
    }
  }
  return { builtinTools: builtinToolNames, libraryTools, libraryAgents };
}
