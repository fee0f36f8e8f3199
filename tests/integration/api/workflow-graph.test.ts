import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTemplate, type WorkflowDocument } from "~/graph";
import { apiPeople, rejection } from "./api-people";

/**
 * The canvas's graph procedures through `createCaller` against real Postgres: optimistic concurrency,
 * authoritative validation, versions, restore, and team isolation.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `troupe_canvas_graph_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
await admin.end();
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
process.env.DATABASE_URL = url.toString();

const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();

let alice: Awaited<ReturnType<typeof person>>;
let bob: Awaited<ReturnType<typeof person>>;
let viewer: Awaited<ReturnType<typeof person>>;
let workflowId: string;

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
  bob = await person("Bob", "bob@example.com");
  viewer = await person("Vera", "vera@example.com");
  await db.membership.create({ data: { teamId: alice.teamId, userId: viewer.userId, role: "viewer" } });
  workflowId = (await alice.caller.workflow.create({ teamId: alice.teamId, name: "Crew" })).id;
});

afterAll(async () => {
  await db.$disconnect();
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await client.end();
});

const team = () => getTemplate("manager-researcher-analyst")!.document;

describe("workflow graph procedures", () => {
  it("loads, saves with a revision, and refuses a stale revision with CONFLICT, keeping the stored graph", async () => {
    const loaded = await alice.caller.workflow.load({ workflowId });
    expect(loaded).toMatchObject({ revision: 0, graph: { nodes: [], edges: [] }, role: "owner" });
    expect(loaded.issues.map((i) => i.code)).toEqual(["no-agent"]);

    const saved = await alice.caller.workflow.saveGraph({ workflowId, revision: 0, graph: team() });
    expect(saved).toEqual({ revision: 1, issues: [] });

    const stale = team();
    stale.nodes = stale.nodes.filter((n) => n.id !== "analyst");
    stale.edges = stale.edges.filter((e) => e.source !== "analyst" && e.target !== "analyst");
    const error = await rejection(alice.caller.workflow.saveGraph({ workflowId, revision: 0, graph: stale }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/changed elsewhere \(now at revision 1\).*edits are kept/);
    const after = await alice.caller.workflow.load({ workflowId });
    expect(after.revision).toBe(1);
    expect(after.graph.nodes).toHaveLength(7);
  });

  it("stores drafts with their issues but refuses structural problems, changing nothing", async () => {
    const { revision } = await alice.caller.workflow.load({ workflowId });
    const draft = team();
    draft.edges = draft.edges.filter((e) => !(e.type === "uses-model" && e.source === "manager"));
    const saved = await alice.caller.workflow.saveGraph({ workflowId, revision, graph: draft });
    expect(saved.issues.map((i) => [i.code, i.nodeId])).toEqual([
      ["agent-without-model", "manager"],
      ["not-attached", "manager_model"],
    ]);

    const cyclic: WorkflowDocument = team();
    cyclic.edges.push({ id: "loop", type: "manages", source: "analyst", target: "manager" });
    const cycle = await rejection(
      alice.caller.workflow.saveGraph({ workflowId, revision: saved.revision, graph: cyclic }),
    );
    expect(cycle.code).toBe("BAD_REQUEST");
    expect(cycle.message).toMatch(/cycle/);

    const unknownKind = {
      ...team(),
      nodes: [{ id: "x", type: "robot", position: { x: 0, y: 0 }, data: {} }],
    };
    expect(
      (
        await rejection(
          alice.caller.workflow.saveGraph({ workflowId, revision: saved.revision, graph: unknownKind }),
        )
      ).code,
    ).toBe("BAD_REQUEST");
    const huge = { ...team(), padding: "x".repeat(5 * 1024 * 1024 + 1) };
    expect(
      (
        await rejection(
          alice.caller.workflow.saveGraph({ workflowId, revision: saved.revision, graph: huge }),
        )
      ).code,
    ).toBe("PAYLOAD_TOO_LARGE");
    const stored = await db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    expect(stored.revision).toBe(saved.revision);
    expect(stored.graph).toEqual(draft);
  });

  it("saves immutable numbered versions, lists them and restores one", async () => {
    let { revision } = await alice.caller.workflow.load({ workflowId });
    revision = (await alice.caller.workflow.saveGraph({ workflowId, revision, graph: team() })).revision;
    const v1 = await alice.caller.workflow.saveVersion({ workflowId, revision, message: "  full team " });
    expect(v1).toMatchObject({ number: 1, message: "full team" });

    const web = getTemplate("code-agent-web-search")!.document;
    revision = (await alice.caller.workflow.saveGraph({ workflowId, revision, graph: web })).revision;
    const stale = await rejection(
      alice.caller.workflow.saveVersion({ workflowId, revision: revision - 1, message: "x" }),
    );
    expect(stale.code).toBe("CONFLICT");
    const v2 = await alice.caller.workflow.saveVersion({ workflowId, revision, message: "web" });
    expect(v2.number).toBe(2);

    const versions = await alice.caller.workflow.listVersions({ workflowId });
    expect(versions.items.map((v) => [v.number, v.message, v.createdBy])).toEqual([
      [2, "web", "Alice"],
      [1, "full team", "Alice"],
    ]);

    const restored = await alice.caller.workflow.restoreVersion({ workflowId, revision, versionId: v1.id });
    expect(restored.revision).toBe(revision + 1);
    expect(restored.graph).toEqual(team());
    expect((await alice.caller.workflow.load({ workflowId })).graph).toEqual(team());
    const version1 = await db.workflowVersion.findUniqueOrThrow({ where: { id: v1.id } });
    expect(version1.graph).toEqual(team());
  });

  it("loads an old stored graph migrated to the current version", async () => {
    const legacy = {
      nodes: [
        { id: "a", type: "agent", position: { x: 0, y: 0 }, data: { type: "ToolCallingAgent", name: "old" } },
      ],
      edges: [],
    };
    const created = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Legacy" });
    await db.workflow.update({ where: { id: created.id }, data: { graph: legacy } });
    const loaded = await alice.caller.workflow.load({ workflowId: created.id });
    expect(loaded.graph.version).toBe(1);
    expect(loaded.graph.nodes[0]).toMatchObject({
      type: "agent",
      data: { agentType: "toolCalling", name: "old" },
    });
  });

  it("lets a viewer read but not write, and hides the workflow from another team", async () => {
    const { revision } = await viewer.caller.workflow.load({ workflowId });
    expect(
      (await rejection(viewer.caller.workflow.saveGraph({ workflowId, revision, graph: team() }))).code,
    ).toBe("FORBIDDEN");
    expect(
      (await rejection(viewer.caller.workflow.saveVersion({ workflowId, revision, message: "" }))).code,
    ).toBe("FORBIDDEN");
    expect((await rejection(bob.caller.workflow.load({ workflowId }))).code).toBe("NOT_FOUND");
    expect(
      (await rejection(bob.caller.workflow.saveGraph({ workflowId, revision, graph: team() }))).code,
    ).toBe("NOT_FOUND");
    expect((await rejection(bob.caller.workflow.listVersions({ workflowId }))).code).toBe("NOT_FOUND");
    const [version] = (await alice.caller.workflow.listVersions({ workflowId })).items;
    expect(
      (await rejection(bob.caller.workflow.restoreVersion({ workflowId, revision, versionId: version!.id })))
        .code,
    ).toBe("NOT_FOUND");
    const bobs = await bob.caller.workflow.create({ teamId: bob.teamId, name: "Bob's" });
    const cross = await rejection(
      bob.caller.workflow.restoreVersion({ workflowId: bobs.id, revision: 0, versionId: version!.id }),
    );
    expect(cross.code).toBe("NOT_FOUND");
    expect((await db.workflow.findUniqueOrThrow({ where: { id: bobs.id } })).revision).toBe(0);
  });
});
