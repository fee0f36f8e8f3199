import "server-only";
import { Prisma, type PrismaClient } from "~/server/db";

/**
 * Server-side search of a team's workflows and runs, a page at a time. A search is words a person
 * typed, matched case-insensitively as one substring: a workflow by its name, description or the names of
 * its tool nodes; a run by its task, its workflow's name or the names of the tools its agents had. Only
 * the caller's team is searched (the team id is part of every query). The queries return ids in the
 * list's order, then the router reads those rows through Prisma as it does without a search.
 */

/**
 * `search` with LIKE's wildcards escaped, so `%`, `_` and `\` match themselves: for Prisma's `contains`,
 * which puts the value into a LIKE pattern as it is.
 */
export function escapeLikeWildcards(search: string): string {
  return search.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** `ILIKE` pattern for `search` as a plain substring. */
export function substringPattern(search: string): string {
  return `%${escapeLikeWildcards(search)}%`;
}

type Page = { cursor?: string | undefined; limit: number };

/**
 * Ids of the team's workflows matching `search`, most recently changed first (as `workflow.list`), one
 * more than `limit` to tell whether more follow; `cursor` is the last id of the previous page.
 */
export async function searchWorkflowIds(
  db: PrismaClient,
  teamId: string,
  search: string,
  page: Page,
): Promise<string[]> {
  const pattern = substringPattern(search);
  const after = page.cursor
    ? Prisma.sql`AND ("updatedAt", id) < (SELECT "updatedAt", id FROM "Workflow" WHERE id = ${page.cursor} AND "teamId" = ${teamId})`
    : Prisma.empty;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Workflow" AS w
    WHERE w."teamId" = ${teamId}
      AND (
        w.name ILIKE ${pattern}
        OR w.description ILIKE ${pattern}
        OR EXISTS (
          SELECT 1 FROM jsonb_path_query(w.graph::jsonb, 'lax $.nodes[*] ? (@.type == "tool").data.name') AS tool(name)
          WHERE tool.name #>> '{}' ILIKE ${pattern}
        )
      )
      ${after}
    ORDER BY "updatedAt" DESC, id DESC
    LIMIT ${page.limit + 1}`;
  return rows.map((row) => row.id);
}

/** Filters `run.list` applies with or without a search. */
export type RunFilters = {
  workflowId?: string | undefined;
  status?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
};

/**
 * Ids of the team's runs matching `search` and `filters`, newest first (as `run.list`), one more than
 * `limit`; `cursor` is the last id of the previous page.
 */
export async function searchRunIds(
  db: PrismaClient,
  teamId: string,
  search: string,
  filters: RunFilters,
  page: Page,
): Promise<string[]> {
  const pattern = substringPattern(search);
  const conditions: Prisma.Sql[] = [];
  if (filters.workflowId) conditions.push(Prisma.sql`AND r."workflowId" = ${filters.workflowId}`);
  if (filters.status) conditions.push(Prisma.sql`AND r.status::text = ${filters.status}`);
  if (filters.from) conditions.push(Prisma.sql`AND r."createdAt" >= ${filters.from}`);
  if (filters.to) conditions.push(Prisma.sql`AND r."createdAt" <= ${filters.to}`);
  if (page.cursor) {
    conditions.push(
      Prisma.sql`AND (r."createdAt", r.id) < (SELECT "createdAt", id FROM "Run" WHERE id = ${page.cursor} AND "teamId" = ${teamId})`,
    );
  }
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "Run" AS r
    LEFT JOIN "Workflow" AS w ON w.id = r."workflowId"
    WHERE r."teamId" = ${teamId}
      AND (
        r.task ILIKE ${pattern}
        OR w.name ILIKE ${pattern}
        OR EXISTS (
          SELECT 1 FROM jsonb_path_query(r.spec::jsonb, 'lax $.**.tools.name') AS tool(name)
          WHERE tool.name #>> '{}' ILIKE ${pattern}
        )
      )
      ${conditions.length > 0 ? Prisma.join(conditions, " ") : Prisma.empty}
    ORDER BY r."createdAt" DESC, r.id DESC
    LIMIT ${page.limit + 1}`;
  return rows.map((row) => row.id);
}
