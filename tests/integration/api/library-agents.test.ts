import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { AgentSpec, WorkflowDocument } from "~/graph";
import { apiPeople, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * Agents in the team library through `createCaller` against real Postgres: sharing an agent stores
 * its compiled spec and sub-graph, sharing it unchanged adds no version (tools too), a changed one
 * does, and a workflow whose manager manages a pinned library agent compiles to exactly the shared
 * spec and runs through the real run processor on replay models in Pyodide.
 */
const database = await createTestDatabase("library_agents");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();
const { demoWorkflowDocument } = await import("~/server/onboarding/demo-workflow");
const { listEventsAfter } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { logger } = await import("~/server/logger");

type Person = Awaited<ReturnType<typeof person>>;
let alice: Person;
let bob: Person; // another team
const pool = new PyodidePool({ size: 1 });

/** The demo workflow with its replayed answers at full speed. */
function demo(): WorkflowDocument {
  const doc = demoWorkflowDocument();
  for (const node of doc.nodes) {
    if (node.type === "model" && node.data.provider === "replay") node.data.latencyMs = 0;
  }
  return doc;
}

/** The demo workflow whose researcher is the library's agent, pinned to one version. */
function demoWithLibraryResearcher(itemId: string, version: number): WorkflowDocument {
  const doc = demo();
  doc.nodes = doc.nodes.filter((n) => n.id !== "researcher_model");
  doc.edges = doc.edges.filter((e) => e.source !== "researcher");
  const researcher = doc.nodes.find((n) => n.id === "researcher")!;
  if (researcher.type === "agent") researcher.data.library = { itemId, version };
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
  bob = await person("Bob", "bob@example.com");
  await pool.warm(1);
});

afterAll(async () => {
  await pool.close();
  await db.$disconnect();
  await database.drop();
});

describe("library.shareAgent", () => {
  it("shares an agent as v1: its compiled spec and its sub-graph, listed as an agent item", async () => {
    const shared = await alice.caller.library.shareAgent({
      teamId: alice.teamId,
      document: demo(),
      nodeId: "researcher",
      message: "Finds city facts",
    });
    expect(shared).toMatchObject({ version: 1, name: "researcher", unchanged: false });

    const row = await db.libraryItem.findUniqueOrThrow({ where: { id: shared.itemId } });
    expect(row).toMatchObject({
      kind: "agent",
      description: "Finds facts and returns them with their sources.",
    });

    const listed = await alice.caller.library.list({ teamId: alice.teamId, itemKind: "agent" });
    expect(listed.items).toHaveLength(1);
    const item = listed.items[0]!;
    expect(item).toMatchObject({ name: "researcher", itemKind: "agent", kind: "agent", createdBy: "Alice" });
    // Every version as a summary (no definition); the latest's spec and sub-graph come in full.
    expect(item.versions[0]).toEqual({
      version: 1,
      message: "Finds city facts",
      createdBy: "Alice",
      createdAt: expect.any(Date),
      signature: "ToolCallingAgent · replay gpt-4o-mini · 0 tools, 0 managed agents",
      secretNames: [],
    });
    expect(item.latest && "tool" in item.latest).toBe(false);
    const version = item.latest && "agent" in item.latest ? item.latest : undefined;
    expect(version?.version).toBe(1);
    expect(version?.agent.spec).toMatchObject({
      name: "researcher",
      type: "toolCalling",
      model: { provider: "replay", model: "gpt-4o-mini" },
      managedAgents: [],
    });
    // The sub-graph: the agent (at the origin) and its model, nothing of the manager or analyst.
    expect(version?.agent.graph.nodes.map((n) => [n.id, n.position])).toEqual([
      ["researcher", { x: 0, y: 0 }],
      ["researcher_model", { x: -120, y: 240 }],
    ]);
    expect(version?.agent.graph.edges.map((e) => [e.type, e.source, e.target])).toEqual([
      ["uses-model", "researcher", "researcher_model"],
    ]);
  });

  it("answers 'unchanged' for the same agent shared again, even moved around, and writes nothing", async () => {
    const before = await libraryRows();
    const moved = demo();
    for (const node of moved.nodes) node.position = { x: node.position.x + 500, y: node.position.y - 40 };
    const again = await alice.caller.library.shareAgent({
      teamId: alice.teamId,
      document: moved,
      nodeId: "researcher",
      message: "Nothing new",
    });
    expect(again).toMatchObject({ version: 1, unchanged: true });
    expect(await libraryRows()).toEqual(before);
  });

  it("adds v2 when the agent changed", async () => {
    const changed = demo();
    const researcher = changed.nodes.find((n) => n.id === "researcher")!;
    if (researcher.type === "agent") researcher.data.instructions = "Always cite the statistics office.";
    const v2 = await alice.caller.library.shareAgent({
      teamId: alice.teamId,
      document: changed,
      nodeId: "researcher",
      message: "Cites sources",
    });
    expect(v2).toMatchObject({ version: 2, unchanged: false });
    const item = (await alice.caller.library.list({ teamId: alice.teamId, search: "RESEARCH" })).items[0]!;
    expect(item.versions.map((v) => [v.version, v.message])).toEqual([
      [2, "Cites sources"],
      [1, "Finds city facts"],
    ]);
    expect(item.latest && "agent" in item.latest && item.latest.agent.spec.instructions).toBe(
      "Always cite the statistics office.",
    );
    // An older version in full, on demand.
    const v1 = await alice.caller.library.version({ teamId: alice.teamId, itemId: item.id, version: 1 });
    expect(v1).toMatchObject({ version: 1, item: { id: item.id, itemKind: "agent" } });
    expect("tool" in v1).toBe(false);
    expect("agent" in v1 && v1.agent.spec.instructions).not.toBe("Always cite the statistics office.");
    expect("agent" in v1 && v1.agent.graph.nodes[0]?.id).toBe("researcher");
  });

  it("shares a manager with its managed agents and sandbox in one spec", async () => {
    const shared = await alice.caller.library.shareAgent({
      teamId: alice.teamId,
      document: demo(),
      nodeId: "manager",
    });
    const stored = await db.libraryItemVersion.findFirstOrThrow({ where: { itemId: shared.itemId } });
    const spec = stored.agent as unknown as AgentSpec;
    expect(spec.managedAgents.map((a) => a.name)).toEqual(["researcher", "analyst"]);
    expect(spec.executor).toEqual({ kind: "pyodide" });
    expect((stored.graph as { nodes: unknown[] }).nodes).toHaveLength(7);
  });

  it.each([
    ["manager_model", "Only agents are shared this way"],
    ["nowhere", "That node is not in the workflow"],
  ])("refuses node %s with a precise message and writes nothing", async (nodeId, message) => {
    const before = await libraryRows();
    const error = await rejection(
      alice.caller.library.shareAgent({ teamId: alice.teamId, document: demo(), nodeId }),
    );
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: `This agent cannot be shared: ${message}.` });
    expect(await libraryRows()).toEqual(before);
  });

  it("refuses an agent that cannot compile, a library agent, and a name taken by a tool", async () => {
    const before = await libraryRows();
    const modelless = demo();
    modelless.edges = modelless.edges.filter((e) => !(e.source === "analyst" && e.type === "uses-model"));
    const noModel = await rejection(
      alice.caller.library.shareAgent({ teamId: alice.teamId, document: modelless, nodeId: "analyst" }),
    );
    expect(noModel.message).toBe("This agent cannot be shared: Connect a model to this agent.");

    const item = await db.libraryItem.findFirstOrThrow({
      where: { teamId: alice.teamId, name: "researcher" },
    });
    const pinned = await rejection(
      alice.caller.library.shareAgent({
        teamId: alice.teamId,
        document: demoWithLibraryResearcher(item.id, 1),
        nodeId: "researcher",
      }),
    );
    expect(pinned.message).toBe(
      "This agent cannot be shared: This agent is already from the team library: share the original instead.",
    );

    const tool = await rejection(
      alice.caller.library.share({
        teamId: alice.teamId,
        tool: {
          kind: "python",
          name: "researcher",
          description: "",
          source: "def researcher(x: str) -> str:\n    return x\n",
        },
      }),
    );
    expect(tool.message).toBe(
      'The library already has an agent named "researcher": give this tool another name.',
    );
    expect(await libraryRows()).toEqual(before);
  });
});

describe("an unchanged tool", () => {
  it("keeps its version: sharing it again answers unchanged and writes nothing", async () => {
    const tool = {
      kind: "python" as const,
      name: "shout",
      description: "Upper-cases text",
      source: "def shout(text: str) -> str:\n    return text.upper()\n",
    };
    const first = await alice.caller.library.share({ teamId: alice.teamId, tool });
    expect(first).toMatchObject({ version: 1, unchanged: false });
    const before = await libraryRows();
    // The same tool, its fields in another order.
    const reordered = {
      source: tool.source,
      description: tool.description,
      name: tool.name,
      kind: tool.kind,
    };
    const again = await alice.caller.library.share({
      teamId: alice.teamId,
      tool: reordered,
      message: "again",
    });
    expect(again).toEqual({ itemId: first.itemId, version: 1, name: "shout", unchanged: true });
    expect(await libraryRows()).toEqual(before);
    const changed = await alice.caller.library.share({
      teamId: alice.teamId,
      tool: { ...tool, description: "Shouts" },
    });
    expect(changed).toMatchObject({ version: 2, unchanged: false });
  });

  it("filters the list by kind", async () => {
    const tools = await alice.caller.library.list({ teamId: alice.teamId, itemKind: "tool" });
    expect(tools.items.map((i) => [i.name, i.kind])).toEqual([["shout", "python"]]);
    const agents = await alice.caller.library.list({ teamId: alice.teamId, itemKind: "agent" });
    expect(agents.items.map((i) => i.name)).toEqual(["manager", "researcher"]);
    const described = await alice.caller.library.list({ teamId: alice.teamId, search: "upper-cases" });
    expect(described.items).toEqual([]);
    const bySource = await alice.caller.library.list({ teamId: alice.teamId, search: "shouts" });
    expect(bySource.items.map((i) => i.name)).toEqual(["shout"]);
  });
});

describe("a pinned library agent in a workflow", () => {
  it("validates clean, compiles to the shared spec, and runs through the run processor", async () => {
    const item = await db.libraryItem.findFirstOrThrow({
      where: { teamId: alice.teamId, name: "researcher" },
    });
    const v1 = await db.libraryItemVersion.findFirstOrThrow({ where: { itemId: item.id, version: 1 } });
    const workflow = await alice.caller.workflow.create({
      teamId: alice.teamId,
      name: "With a shared researcher",
    });
    const saved = await alice.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: 0,
      graph: demoWithLibraryResearcher(item.id, 1),
    });
    expect(saved.issues).toEqual([]);

    const { runId } = await alice.caller.run.start({ workflowId: workflow.id, task: "Compare the cities" });
    const started = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const spec = started.spec as unknown as AgentSpec;
    expect(spec.managedAgents[0]).toEqual(v1.agent);
    expect(spec.managedAgents[0]?.instructions).toBeUndefined();

    const processRun = createRunProcessor({
      db,
      publisher: new NullPublisher(),
      control: new InProcessRunControl(),
      agentDeps: () => ({
        resolveSecret: async () => undefined,
        createExecutor: (executor, options) => createExecutor(executor, { ...options, pyodidePool: pool }),
      }),
      logger,
    });
    await processRun({ runId, attempt: 1 }, new AbortController().signal);
    const finished = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(finished.error).toBeNull();
    expect(finished.status).toBe("succeeded");
    expect(String(finished.output)).toMatch(/Stockholm is the largest/);
    const events: RunEvent[] = await listEventsAfter(db, runId, -1, 5000);
    const researcherEvents = events.filter((e) => e.agentPath.join("/") === "manager/researcher");
    expect(researcherEvents.map((e) => e.type)).toContain("final_answer");
  }, 120_000);

  it("refuses a version that does not exist, and another team's item, with the validator's words", async () => {
    const item = await db.libraryItem.findFirstOrThrow({
      where: { teamId: alice.teamId, name: "researcher" },
    });
    const workflow = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Future researcher" });
    const saved = await alice.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: 0,
      graph: demoWithLibraryResearcher(item.id, 9),
    });
    expect(saved.issues).toMatchObject([
      {
        code: "unknown-agent",
        nodeId: "researcher",
        message: 'Library agent "researcher" (version 9) was not found in the team library',
      },
    ]);

    const borrowed = await bob.caller.workflow.create({ teamId: bob.teamId, name: "Borrowed" });
    await bob.caller.workflow.saveGraph({
      workflowId: borrowed.id,
      revision: 0,
      graph: demoWithLibraryResearcher(item.id, 1),
    });
    const error = await rejection(bob.caller.run.start({ workflowId: borrowed.id, task: "Compare" }));
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message:
        'This workflow cannot run yet: Library agent "researcher" (version 1) was not found in the team library.',
    });
    expect(await db.run.count({ where: { workflowId: borrowed.id } })).toBe(0);
  });

  it("refuses an edge out of a library agent: it runs as shared", async () => {
    const item = await db.libraryItem.findFirstOrThrow({
      where: { teamId: alice.teamId, name: "researcher" },
    });
    const doc = demoWithLibraryResearcher(item.id, 1);
    doc.nodes.push({
      id: "extra_model",
      type: "model",
      position: { x: 0, y: 600 },
      data: { provider: "replay", model: "replay", transcript: [] },
    });
    doc.edges.push({ id: "e-extra", type: "uses-model", source: "researcher", target: "extra_model" });
    const workflow = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Tampered" });
    const error = await rejection(
      alice.caller.workflow.saveGraph({ workflowId: workflow.id, revision: 0, graph: doc }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("An agent from the team library runs as shared");
  });
});
