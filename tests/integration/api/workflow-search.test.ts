import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowDocument } from "~/graph";
import { apiPeople, expectCode } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * workflow.duplicate, duplicate names, and the server-side search of workflows and runs, through
 * `createCaller` against real Postgres; and a refused input answered in words over HTTP. Another team's
 * workflows and runs are never found, whatever the words.
 */
const APP_URL = "https://troupe.example";
const database = await createTestDatabase("workflow_search");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", APP_URL });
const { db, startDatabase } = await import("~/server/db");
const { createTrpcHandler } = await import("~/server/http/trpc-handler");
const { person, callerFor } = await apiPeople();
type Person = Awaited<ReturnType<typeof person>>;

let alice: Person;
let bob: Person;
let viewer: ReturnType<typeof callerFor>;

/** A graph with one agent and tool nodes of these names. */
function graphWithTools(...tools: string[]): WorkflowDocument {
  return {
    version: 1,
    viewport: { x: 0, y: 0, zoom: 1 },
    edges: [],
    nodes: [
      { id: "agent", type: "agent", position: { x: 0, y: 0 }, data: { name: "lead" } },
      ...tools.map((name, index) => ({
        id: `tool-${index}`,
        type: "tool",
        position: { x: 0, y: 100 * (index + 1) },
        data: { kind: "python", name, description: "", inputs: [], output: "string", code: "" },
      })),
    ],
  } as unknown as WorkflowDocument;
}

/** A run row of `workflowId` with this task, whose spec gives a managed agent a tool named `toolName`. */
async function runOf(owner: Person, workflowId: string, task: string, toolName: string, minutesAgo: number) {
  return db.run.create({
    data: {
      teamId: owner.teamId,
      workflowId,
      task,
      status: "succeeded",
      createdAt: new Date(Date.now() - minutesAgo * 60_000),
      spec: {
        name: "lead",
        tools: [{ kind: "builtin", name: "final_answer" }],
        managedAgents: [{ name: "helper", tools: [{ kind: "python", name: toolName }], managedAgents: [] }],
      },
    },
    select: { id: true },
  });
}

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
  bob = await person("Bob", "bob@example.com");
  const vera = await person("Vera", "vera@example.com");
  await db.membership.create({ data: { teamId: alice.teamId, userId: vera.userId, role: "viewer" } });
  viewer = vera.caller;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe("workflow.duplicate", () => {
  it("copies the working copy and description under a fresh name, again and again", async () => {
    const original = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Market crew" });
    await db.workflow.update({
      where: { id: original.id },
      data: { description: "Watches prices", graph: graphWithTools("stock_lookup") as object },
    });
    await db.workflowVersion.create({ data: { workflowId: original.id, number: 1, graph: {} } });

    const copy = await alice.caller.workflow.duplicate({ workflowId: original.id });
    expect(copy.id).not.toBe(original.id);
    expect(copy.name).toBe("Market crew (copy)");
    expect(copy.description).toBe("Watches prices");
    const stored = await db.workflow.findUniqueOrThrow({ where: { id: copy.id } });
    expect(stored.teamId).toBe(alice.teamId);
    expect(stored.graph).toEqual(graphWithTools("stock_lookup"));
    expect(stored.revision).toBe(0);
    expect(await db.workflowVersion.count({ where: { workflowId: copy.id } })).toBe(0);

    expect((await alice.caller.workflow.duplicate({ workflowId: original.id })).name).toBe(
      "Market crew (copy 2)",
    );
    expect((await alice.caller.workflow.duplicate({ workflowId: copy.id })).name).toBe(
      "Market crew (copy 3)",
    );
  });

  it("numbers copies of a name holding LIKE's wildcards as of any other", async () => {
    const odd = await alice.caller.workflow.create({ teamId: alice.teamId, name: "100% _sure_" });
    expect((await alice.caller.workflow.duplicate({ workflowId: odd.id })).name).toBe("100% _sure_ (copy)");
    expect((await alice.caller.workflow.duplicate({ workflowId: odd.id })).name).toBe("100% _sure_ (copy 2)");
  });

  it("keeps a long name within 100 characters", async () => {
    const long = await alice.caller.workflow.create({ teamId: alice.teamId, name: "x".repeat(100) });
    const copy = await alice.caller.workflow.duplicate({ workflowId: long.id });
    expect(copy.name).toHaveLength(100);
    expect(copy.name.endsWith(" (copy)")).toBe(true);
  });

  it("is refused to a viewer (FORBIDDEN) and to another team (NOT_FOUND), copying nothing", async () => {
    const original = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Private crew" });
    const before = await db.workflow.count();
    await expectCode(viewer.workflow.duplicate({ workflowId: original.id }), "FORBIDDEN");
    await expectCode(bob.caller.workflow.duplicate({ workflowId: original.id }), "NOT_FOUND");
    expect(await db.workflow.count()).toBe(before);
  });
});

describe("duplicate names", () => {
  it("are allowed and said: create and rename count the team's others of that name", async () => {
    const first = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Twin" });
    expect(first.sameName).toBe(0);
    const second = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Twin" });
    expect(second.sameName).toBe(1);
    expect((await alice.caller.workflow.rename({ workflowId: second.id, name: "Twin" })).sameName).toBe(1);
    expect((await alice.caller.workflow.rename({ workflowId: second.id, name: "Solo" })).sameName).toBe(0);
    // Another team's names are not counted.
    expect((await bob.caller.workflow.create({ teamId: bob.teamId, name: "Twin" })).sameName).toBe(0);
  });
});

describe("search", () => {
  it("finds the team's workflows by name, description or tool name, a page at a time, never another team's", async () => {
    const byName = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Weather scout" });
    const byDescription = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Planner" });
    await db.workflow.update({
      where: { id: byDescription.id },
      data: { description: "Checks the WEATHER first" },
    });
    const byTool = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Forecaster" });
    await db.workflow.update({
      where: { id: byTool.id },
      data: { graph: graphWithTools("get_weather") as object },
    });
    const bobs = await bob.caller.workflow.create({ teamId: bob.teamId, name: "Weather for Bob" });

    const found = await alice.caller.workflow.list({ teamId: alice.teamId, search: "weather" });
    expect(found.items.map((w) => w.id).sort()).toEqual([byName.id, byDescription.id, byTool.id].sort());
    expect(found.items.map((w) => w.id)).not.toContain(bobs.id);

    // Pages in the list's order (most recently changed first), with a cursor.
    const first = await alice.caller.workflow.list({ teamId: alice.teamId, search: "weather", limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBe(first.items[1]!.id);
    const second = await alice.caller.workflow.list({
      teamId: alice.teamId,
      search: "weather",
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.items, ...second.items].map((w) => w.id)).toEqual(found.items.map((w) => w.id));

    // The words are a plain substring: LIKE's wildcards match themselves, not everything.
    expect((await alice.caller.workflow.list({ teamId: alice.teamId, search: "%%" })).items).toEqual([]);
    expect((await alice.caller.workflow.list({ teamId: alice.teamId, search: "_eather" })).items).toEqual([]);
    // Bob searching with Alice's team id is refused as if the team did not exist.
    await expectCode(bob.caller.workflow.list({ teamId: alice.teamId, search: "weather" }), "NOT_FOUND");
    expect(
      (await bob.caller.workflow.list({ teamId: bob.teamId, search: "weather" })).items.map((w) => w.id),
    ).toEqual([bobs.id]);
  });

  it("finds the team's runs by task, workflow name or a tool's name at any depth, with filters and pages", async () => {
    const crew = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Harbour crew" });
    const other = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Quiet crew" });
    const byTask = await runOf(alice, other.id, "Count the ships in the harbour", "noop", 1);
    const byWorkflow = await runOf(alice, crew.id, "Something else", "noop", 2);
    const byTool = await runOf(alice, other.id, "Unrelated", "harbour_tides", 3);
    await runOf(alice, other.id, "Nothing to see", "noop", 4);
    const bobsCrew = await bob.caller.workflow.create({ teamId: bob.teamId, name: "Harbour of Bob" });
    const bobs = await runOf(bob, bobsCrew.id, "harbour work", "harbour_tides", 1);

    const found = await alice.caller.run.list({ teamId: alice.teamId, search: "HARBOUR" });
    expect(found.items.map((run) => run.id)).toEqual([byTask.id, byWorkflow.id, byTool.id]);
    expect(found.items.map((run) => run.id)).not.toContain(bobs.id);

    const page = await alice.caller.run.list({ teamId: alice.teamId, search: "harbour", limit: 2 });
    expect(page.items.map((run) => run.id)).toEqual([byTask.id, byWorkflow.id]);
    const rest = await alice.caller.run.list({
      teamId: alice.teamId,
      search: "harbour",
      limit: 2,
      cursor: page.nextCursor,
    });
    expect(rest.items.map((run) => run.id)).toEqual([byTool.id]);
    expect(rest.nextCursor).toBeUndefined();

    const ofOther = await alice.caller.run.list({
      teamId: alice.teamId,
      search: "harbour",
      workflowId: other.id,
    });
    expect(ofOther.items.map((run) => run.id)).toEqual([byTask.id, byTool.id]);
    expect(
      (await alice.caller.run.list({ teamId: alice.teamId, search: "harbour", status: "failed" })).items,
    ).toEqual([]);
    await expectCode(bob.caller.run.list({ teamId: alice.teamId, search: "harbour" }), "NOT_FOUND");
  });

  it("finds the team's library items by name or description as a plain substring, never another team's", async () => {
    const mine = await db.libraryItem.create({
      data: { teamId: alice.teamId, name: "stock_lookup", description: "Prices of shares" },
    });
    await db.libraryItem.create({ data: { teamId: bob.teamId, name: "stock_ticker" } });
    const names = async (search: string) =>
      (await alice.caller.library.list({ teamId: alice.teamId, search })).items.map((item) => item.id);
    expect(await names("STOCK")).toEqual([mine.id]);
    expect(await names("shares")).toEqual([mine.id]);
    expect(await names("stock%")).toEqual([]);
    expect(await names("st_ck")).toEqual([]);
  });

  it("bounds the words: at most 200 characters", async () => {
    await expectCode(
      alice.caller.workflow.list({ teamId: alice.teamId, search: "x".repeat(201) }),
      "BAD_REQUEST",
    );
    await expectCode(alice.caller.run.list({ teamId: alice.teamId, search: "x".repeat(201) }), "BAD_REQUEST");
  });
});

describe("refused input over HTTP", () => {
  it("is answered in words per field, never as zod's JSON", async () => {
    const session = {
      user: { id: alice.userId, name: "Alice", email: "alice@example.com" },
      expires: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const handler = createTrpcHandler({ getSession: async () => session });
    const response = await handler(
      new Request("http://127.0.0.1/api/trpc/pricing.set", {
        method: "POST",
        headers: { origin: APP_URL, "content-type": "application/json" },
        body: JSON.stringify({
          json: {
            teamId: alice.teamId,
            model: "my-model",
            inputUsdPerMillion: -1,
            outputUsdPerMillion: "NaN",
          },
          meta: { values: { outputUsdPerMillion: ["number"] } },
        }),
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { json: { message: string; data: { inputErrors: { fields: Record<string, string> } } } };
    };
    expect(body.error.json.message).toBe(
      "Input USD per million: must be at least 0. Output USD per million: must be a number.",
    );
    expect(body.error.json.data.inputErrors.fields).toEqual({
      inputUsdPerMillion: "Must be at least 0.",
      outputUsdPerMillion: "Must be a number.",
    });
    expect(await db.modelPrice.count({ where: { teamId: alice.teamId } })).toBe(0);
  });
});
