import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_DB_INT } from "~/graph";
import { DEMO_WORKFLOW_NAME } from "~/lib/demo-run";
import { apiPeople, expectCode } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * Bounds on what a client may ask for, against real Postgres: lists come a page at a time with a
 * cursor, page sizes and numeric inputs have ranges, and an out-of-range number is BAD_REQUEST with
 * nothing written, never a driver error.
 */
const database = await createTestDatabase("bounds");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", ALLOW_LOCAL_EXECUTOR: "" });
const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();

let alice: Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** Every item of a cursor-paginated list, page by page; and how many pages it took. */
async function allPages<T extends { id: string }>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | undefined }>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    pages += 1;
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return { ids, pages };
}

describe("paginated lists", () => {
  it("lists a team's workflows a page at a time, each exactly once", async () => {
    for (let i = 0; i < 6; i++)
      await alice.caller.workflow.create({ teamId: alice.teamId, name: `Crew ${i}` });
    const total = await db.workflow.count({ where: { teamId: alice.teamId } });
    const { ids, pages } = await allPages((cursor) =>
      alice.caller.workflow.list({ teamId: alice.teamId, limit: 2, cursor }),
    );
    expect(new Set(ids).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 2));
    const first = await alice.caller.workflow.list({ teamId: alice.teamId });
    expect(first.items).toHaveLength(total);
    expect(first.nextCursor).toBeUndefined();
  });

  it("lists a workflow's versions a page at a time, newest first", async () => {
    const { id: workflowId, revision } = await alice.caller.workflow.create({
      teamId: alice.teamId,
      name: "Versioned",
    });
    for (let i = 1; i <= 5; i++)
      await alice.caller.workflow.saveVersion({ workflowId, revision, message: `v${i}` });
    const first = await alice.caller.workflow.listVersions({ workflowId, limit: 3 });
    expect(first.items.map((v) => v.number)).toEqual([5, 4, 3]);
    const second = await alice.caller.workflow.listVersions({
      workflowId,
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.items.map((v) => v.number)).toEqual([2, 1]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("refuses page sizes outside 1–100", async () => {
    await expectCode(alice.caller.workflow.list({ teamId: alice.teamId, limit: 101 }), "BAD_REQUEST");
    await expectCode(alice.caller.workflow.list({ teamId: alice.teamId, limit: 0 }), "BAD_REQUEST");
    await expectCode(alice.caller.library.list({ teamId: alice.teamId, limit: 1000 }), "BAD_REQUEST");
  });
});

describe("numeric inputs", () => {
  it("refuses a revision past the database's integers with BAD_REQUEST and changes nothing", async () => {
    const { id: workflowId } = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Bounded" });
    const before = await db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    const { graph } = await alice.caller.workflow.load({ workflowId });
    await expectCode(
      alice.caller.workflow.saveGraph({ workflowId, revision: MAX_DB_INT + 1, graph }),
      "BAD_REQUEST",
    );
    await expectCode(
      alice.caller.workflow.saveVersion({ workflowId, revision: 2 ** 53, message: "" }),
      "BAD_REQUEST",
    );
    expect(await db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).toEqual(before);
  });

  it("bounds run.events: afterSeq within the database's integers, pages at most 5,000 events", async () => {
    const demo = await db.workflow.findFirstOrThrow({
      where: { teamId: alice.teamId, name: DEMO_WORKFLOW_NAME },
    });
    const { runId } = await alice.caller.run.start({ workflowId: demo.id, task: "Compare the cities." });
    expect(await alice.caller.run.events({ runId, afterSeq: MAX_DB_INT })).toEqual([]);
    await expectCode(alice.caller.run.events({ runId, afterSeq: MAX_DB_INT + 1 }), "BAD_REQUEST");
    await expectCode(alice.caller.run.events({ runId, afterSeq: -2 }), "BAD_REQUEST");
    await expectCode(alice.caller.run.events({ runId, limit: 5001 }), "BAD_REQUEST");
  });
});
