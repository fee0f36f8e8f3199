import "server-only";
import { z } from "zod";

/**
 * Cursor pagination for list procedures: the client passes the previous page's `nextCursor` (the
 * last row's id) and gets `{ items, nextCursor }`; no list answers with a whole table.
 */
export const pageInput = {
  cursor: z.string().min(1).max(64).optional(),
  limit: z.number().int().min(1).max(100).default(50),
};

/** Prisma's `take`/`cursor`/`skip` for a page: one row more than asked, to know whether more follow. */
export function pageQuery(input: { cursor?: string | undefined; limit: number }) {
  return { take: input.limit + 1, ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}) };
}

/** The page from `pageQuery`'s rows: at most `limit` items, and the cursor of the next page if any. */
export function pageOf<T extends { id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | undefined } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items.at(-1)?.id : undefined };
}
