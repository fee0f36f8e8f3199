import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentSpec, getTemplate, type WorkflowDocument } from "~/graph";
import { apiPeople, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * The team library through `createCaller` against real Postgres: sharing makes items and versions,
 * roles gate sharing and removing, another team sees nothing, bad input changes nothing, and a
 * workflow's library node compiles to the stored tool when a run starts.
 */
const database = await createTestDatabase("library");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "" });
const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();
const { teamToolCatalog } = await import("~/server/library/catalog");

type Person = Awaited<ReturnType<typeof person>>;
let alice: Person; // owner of her team
let erin: Person; // editor in Alice's team
let vera: Person; // viewer in Alice's team
let bob: Person; // another team entirely

const shout = (body = "return text.upper()") => ({
  kind: "python" as const,
  name: "shout",
  description: "Upper-cases text",
  source: `def shout(text: str) -> str:\n    """Shout.\n\n    Args:\n        text: words\n    """\n    ${body}\n`,
});

const forecast = {
  kind: "http" as const,
  name: "get_forecast",
  description: "Weather for a place",
  method: "GET" as const,
  url: "https://api.example.com/forecast?lat={latitude}",
  secretHeaders: { Authorization: "WEATHER_KEY" },
  inputs: { latitude: { type: "number" as const, description: "Latitude" } },
  outputType: "object" as const,
};

/** A runnable graph (replay model: no secret needed) whose agent uses one library tool node. */
function graphWithLibraryTool(ref: { itemId: string; version: number; name: string }): WorkflowDocument {
  const doc = structuredClone(getTemplate("code-agent-web-search")!.document);
  const model = doc.nodes.find((n) => n.type === "model")!;
  model.data = { provider: "replay", model: "replay", transcript: ["final_answer('ok')"] };
  doc.nodes.push({
    id: "lib",
    type: "tool",
    position: { x: 0, y: 300 },
    data: { kind: "library", ...ref },
  });
  doc.edges.push({ id: "e-lib", type: "uses-tool", source: "agent", target: "lib" });
  return doc;
}

async function libraryRows() {
  return {
    items: await db.libraryItem.findMany({ orderBy: { id: "asc" } }),
    versions: await db.libraryItemVersion.findMany({ orderBy: { id: "asc" } }),
  };
}

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
  erin = await person("Erin", "erin@example.com");
  vera = await person("Vera", "vera@example.com");
  bob = await person("Bob", "bob@example.com");
  await db.membership.create({ data: { teamId: alice.teamId, userId: erin.userId, role: "editor" } });
  await db.membership.create({ data: { teamId: alice.teamId, userId: vera.userId, role: "viewer" } });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe("library.share and library.list", () => {
  it("shares a python tool as v1, lists it, and a second share of the same name makes v2", async () => {
    const first = await erin.caller.library.share({
      teamId: alice.teamId,
      tool: shout(),
      message: "  First cut  ",
    });
    expect(first).toMatchObject({ version: 1, name: "shout" });

    const listed = await vera.caller.library.list({ teamId: alice.teamId });
    expect(listed.role).toBe("viewer");
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      id: first.itemId,
      name: "shout",
      description: "Upper-cases text",
      kind: "python",
      latestVersion: 1,
      versionCount: 1,
      createdBy: "Erin",
    });
    expect(listed.items[0]!.latest).toEqual({ version: 1, tool: shout() });
    expect(listed.items[0]!.versions).toEqual([
      {
        version: 1,
        message: "First cut",
        signature: "def shout(text: str) -> str:",
        secretNames: [],
        createdBy: "Erin",
        createdAt: expect.any(Date),
      },
    ]);

    const second = await alice.caller.library.share({
      teamId: alice.teamId,
      tool: { ...shout('return text.upper() + "!"'), description: "Shouts louder" },
      message: "Adds emphasis",
    });
    expect(second).toEqual({ itemId: first.itemId, version: 2, name: "shout", unchanged: false });

    const after = await alice.caller.library.list({ teamId: alice.teamId });
    const item = after.items[0]!;
    expect(item).toMatchObject({ latestVersion: 2, versionCount: 2, description: "Shouts louder" });
    expect(item.versions.map((v) => [v.version, v.message, v.createdBy])).toEqual([
      [2, "Adds emphasis", "Alice"],
      [1, "First cut", "Erin"],
    ]);
    expect(item.latest).toMatchObject({ version: 2, tool: { source: expect.stringContaining('+ "!"') } });
    // Only the latest version's source is sent with the list; an older one comes on its own.
    expect(JSON.stringify(after)).not.toContain("return text.upper()\n");
    const older = await vera.caller.library.version({
      teamId: alice.teamId,
      itemId: first.itemId,
      version: 1,
    });
    expect(older).toMatchObject({ version: 1, message: "First cut", tool: shout(), createdBy: "Erin" });
    expect(older.item).toMatchObject({ id: first.itemId, name: "shout", latestVersion: 2 });
    expect(await db.libraryItemVersion.count({ where: { itemId: first.itemId } })).toBe(2);
  });

  it("shares an http tool with its secret names, and never a secret value", async () => {
    const shared = await alice.caller.library.share({ teamId: alice.teamId, tool: forecast });
    expect(shared.version).toBe(1);
    const row = await db.libraryItemVersion.findFirstOrThrow({ where: { itemId: shared.itemId } });
    expect(row.tool).toMatchObject({ kind: "http", secretHeaders: { Authorization: "WEATHER_KEY" } });
    const listed = await alice.caller.library.list({ teamId: alice.teamId });
    const item = listed.items.find((i) => i.name === "get_forecast")!;
    expect(item).toMatchObject({ kind: "http", versions: [{ secretNames: ["WEATHER_KEY"] }] });
    expect(listed.items.map((i) => i.name)).toEqual(["get_forecast", "shout"]);
  });

  it("refuses a viewer with FORBIDDEN and writes nothing", async () => {
    const before = await libraryRows();
    const error = await rejection(
      vera.caller.library.share({ teamId: alice.teamId, tool: shout("return text") }),
    );
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toBe("This needs the editor role or higher.");
    expect(await libraryRows()).toEqual(before);
  });

  it.each([
    [{ ...shout(), name: "not-an-identifier" }, '"not-an-identifier" is not a Python identifier'],
    [{ ...shout(), name: "def" }, '"def" is a Python keyword'],
    [{ ...shout(), source: "" }, "Write the tool's Python function"],
    [
      { ...shout(), source: `def shout(t):\n    return "${"x".repeat(100_001)}"\n` },
      "The Python source is over 100,000 characters",
    ],
    [{ kind: "shell", name: "rm_rf" }, 'Only python and HTTP tools can be shared (not "shell")'],
    [
      { kind: "library", itemId: "x", version: 1, name: "shout" },
      "This tool is already from the team library",
    ],
    [{ ...forecast, url: "not a url" }, "The HTTP tool needs an http(s) URL"],
    [{ ...forecast, secretHeaders: { Authorization: "sk-live-123" } }, "Secret names are UPPER_SNAKE_CASE"],
  ])("refuses bad input with a precise message and changes nothing (%#)", async (tool, message) => {
    const before = await libraryRows();
    const error = await rejection(alice.caller.library.share({ teamId: alice.teamId, tool: tool as never }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("This tool cannot be shared: ");
    expect(error.message).toContain(message);
    expect(await libraryRows()).toEqual(before);
  });

  it("refuses an over-long version message and a change of kind under one name", async () => {
    const before = await libraryRows();
    const long = await rejection(
      alice.caller.library.share({ teamId: alice.teamId, tool: shout(), message: "m".repeat(501) }),
    );
    expect(long).toMatchObject({
      code: "BAD_REQUEST",
      message: "Version messages are at most 500 characters.",
    });
    const kind = await rejection(
      alice.caller.library.share({
        teamId: alice.teamId,
        tool: { ...forecast, name: "shout" },
      }),
    );
    expect(kind.code).toBe("BAD_REQUEST");
    expect(kind.message).toBe(
      'The library already has a python tool named "shout": give this http tool another name.',
    );
    expect(await libraryRows()).toEqual(before);
  });

  it("gives concurrent shares of one name distinct versions", async () => {
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        alice.caller.library.share({ teamId: alice.teamId, tool: shout(`return text * ${n}`) }),
      ),
    );
    expect(results.map((r) => r.version).sort()).toEqual([3, 4, 5]);
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    expect(item.latestVersion).toBe(5);
  });
});

describe("another team", () => {
  it("cannot list, share into, remove or use Alice's items: NOT_FOUND, nothing changed", async () => {
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    const before = await libraryRows();

    const list = await rejection(bob.caller.library.list({ teamId: alice.teamId }));
    expect(list).toMatchObject({ code: "NOT_FOUND", message: "Team not found." });
    const share = await rejection(bob.caller.library.share({ teamId: alice.teamId, tool: shout() }));
    expect(share.code).toBe("NOT_FOUND");
    // Through his own team, Alice's item does not exist for him.
    const removeOwn = await rejection(bob.caller.library.remove({ teamId: bob.teamId, itemId: item.id }));
    expect(removeOwn).toMatchObject({ code: "NOT_FOUND", message: "Library item not found." });
    const removeTheirs = await rejection(
      bob.caller.library.remove({ teamId: alice.teamId, itemId: item.id }),
    );
    expect(removeTheirs).toMatchObject({ code: "NOT_FOUND", message: "Team not found." });
    // A version of Alice's item read through Bob's own team does not exist either.
    const version = await rejection(
      bob.caller.library.version({ teamId: bob.teamId, itemId: item.id, version: 1 }),
    );
    expect(version).toMatchObject({ code: "NOT_FOUND", message: "Library version not found." });
    expect((await bob.caller.library.list({ teamId: bob.teamId })).items).toEqual([]);

    // A graph naming Alice's item id is "not found" in Bob's team, and cannot run.
    const workflow = await bob.caller.workflow.create({ teamId: bob.teamId, name: "Borrowed" });
    const saved = await bob.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: 0,
      graph: graphWithLibraryTool({ itemId: item.id, version: 1, name: "shout" }),
    });
    expect(saved.issues.map((i) => i.message)).toEqual([
      'Library tool "shout" (version 1) was not found in the team library',
    ]);
    const started = await rejection(bob.caller.run.start({ workflowId: workflow.id, task: "Shout hi" }));
    expect(started.code).toBe("BAD_REQUEST");
    expect(started.message).toBe(
      'This workflow cannot run yet: Library tool "shout" (version 1) was not found in the team library.',
    );
    expect(await db.run.count({ where: { workflowId: workflow.id } })).toBe(0);
    expect((await teamToolCatalog(db, bob.teamId)).libraryTools).toEqual([]);
    expect(await libraryRows()).toEqual(before);
  });
});

describe("library tools in workflows", () => {
  it("validates clean, and run.start compiles the library node to the stored tool spec", async () => {
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    const v2 = await db.libraryItemVersion.findFirstOrThrow({ where: { itemId: item.id, version: 2 } });
    const workflow = await erin.caller.workflow.create({ teamId: alice.teamId, name: "Shouter" });
    const saved = await erin.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: 0,
      graph: graphWithLibraryTool({ itemId: item.id, version: 2, name: "shout" }),
    });
    expect(saved.issues).toEqual([]);
    expect((await erin.caller.workflow.load({ workflowId: workflow.id })).issues).toEqual([]);

    const { runId } = await erin.caller.run.start({ workflowId: workflow.id, task: "Shout hi" });
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("queued");
    const spec = run.spec as unknown as AgentSpec;
    expect(spec.tools).toContainEqual(v2.tool);
    expect(spec.tools.find((t) => t.kind === "python")).toMatchObject({
      name: "shout",
      source: expect.stringContaining('+ "!"'),
    });
  });

  it("refuses to run a graph whose library node names a version that does not exist", async () => {
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    const workflow = await erin.caller.workflow.create({ teamId: alice.teamId, name: "Future" });
    const saved = await erin.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: 0,
      graph: graphWithLibraryTool({ itemId: item.id, version: 99, name: "shout" }),
    });
    expect(saved.issues).toMatchObject([{ code: "unknown-tool", nodeId: "lib", severity: "error" }]);
    const error = await rejection(erin.caller.run.start({ workflowId: workflow.id, task: "Shout hi" }));
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message:
        'This workflow cannot run yet: Library tool "shout" (version 99) was not found in the team library.',
    });
    expect(await db.run.count({ where: { workflowId: workflow.id } })).toBe(0);
  });

  it("the team catalog holds every version of the team's items", async () => {
    const catalog = await teamToolCatalog(db, alice.teamId);
    expect(catalog.builtinTools).toContain("web_search");
    expect(catalog.libraryTools.map((t) => `${t.name}@${t.version}`).sort()).toEqual([
      "get_forecast@1",
      "shout@1",
      "shout@2",
      "shout@3",
      "shout@4",
      "shout@5",
    ]);
  });
});

describe("library.remove", () => {
  it("needs an admin; an editor is FORBIDDEN and nothing is removed", async () => {
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    const error = await rejection(erin.caller.library.remove({ teamId: alice.teamId, itemId: item.id }));
    expect(error).toMatchObject({ code: "FORBIDDEN", message: "This needs the admin role or higher." });
    expect(await db.libraryItem.count({ where: { id: item.id } })).toBe(1);
  });

  it("removes an item in use: its versions go, and the workflows using it show the validator's message", async () => {
    const item = await db.libraryItem.findFirstOrThrow({ where: { teamId: alice.teamId, name: "shout" } });
    const workflow = await db.workflow.findFirstOrThrow({ where: { teamId: alice.teamId, name: "Shouter" } });
    expect(await alice.caller.library.remove({ teamId: alice.teamId, itemId: item.id })).toEqual({
      itemId: item.id,
    });
    expect(await db.libraryItemVersion.count({ where: { itemId: item.id } })).toBe(0);
    expect((await alice.caller.library.list({ teamId: alice.teamId })).items.map((i) => i.name)).toEqual([
      "get_forecast",
    ]);
    const loaded = await alice.caller.workflow.load({ workflowId: workflow.id });
    expect(loaded.issues.map((i) => i.message)).toEqual([
      'Library tool "shout" (version 2) was not found in the team library',
    ]);
    // Removing it again: it no longer exists.
    const again = await rejection(alice.caller.library.remove({ teamId: alice.teamId, itemId: item.id }));
    expect(again.code).toBe("NOT_FOUND");
  });

  it("leaves a trail in the team's audit log: each version shared, and the removal", async () => {
    const log = await alice.caller.team.auditLog({ teamId: alice.teamId, limit: 100 });
    const shout = log.items.filter(
      (entry) => entry.action.startsWith("library.") && entry.target === "shout",
    );
    expect(shout[0]).toMatchObject({ action: "library.removed", details: { kind: "tool" } });
    const versions = shout.slice(1).map((entry) => {
      expect(entry).toMatchObject({ action: "library.shared", details: { kind: "tool" } });
      return (entry.details as { version: number }).version;
    });
    // Newest first, every version once: unchanged shares leave no line.
    expect(versions).toEqual(versions.map((_, index) => versions.length - index));
    expect(versions.length).toBeGreaterThan(1);
  });
});
