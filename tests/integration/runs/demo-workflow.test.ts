import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { compile, migrate, validate } from "~/graph";
import { accumulateUsage, emptyUsage } from "~/lib/run-usage";

/**
 * The first-run demo: seeded into a new user's team at sign-up, compiled by src/graph, and run by
 * the real run processor (engine, replay models, Pyodide, real Postgres) to a priced final answer.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `troupe_dash_demo_${randomBytes(4).toString("hex")}`;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

await admin(`CREATE DATABASE "${dbName}"`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
process.env.DATABASE_URL = url.toString();
process.env.AUTH_SECRET ??= "x".repeat(40);

const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { setOnboarding } = await import("~/server/auth/onboarding");
const { DEMO_TASK, DEMO_WORKFLOW_NAME, demoWorkflowDocument, seedDemoWorkflow } = await import(
  "~/server/onboarding/demo-workflow"
);
const { createRun, listEventsAfter } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { logger } = await import("~/server/logger");

const pool = new PyodidePool({ size: 1 });

beforeAll(async () => {
  await startDatabase();
  await pool.warm(1);
});

afterAll(async () => {
  await pool.close();
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

describe("demo workflow", () => {
  it("is a valid document that compiles to a manager with two replay-model agents in Pyodide", () => {
    const doc = demoWorkflowDocument();
    expect(validate(doc).filter((issue) => issue.severity !== "warning")).toEqual([]);
    const compiled = compile(doc);
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    const { spec } = compiled;
    expect(spec.name).toBe("manager");
    expect(spec.type).toBe("code");
    expect(spec.executor?.kind).toBe("pyodide");
    expect(spec.managedAgents.map((agent) => agent.name)).toEqual(["researcher", "analyst"]);
    for (const agent of [spec, ...spec.managedAgents]) {
      expect(agent.model).toMatchObject({ provider: "replay", model: "gpt-4o-mini" });
    }
  });

  it("is seeded at sign-up and runs end to end through the run processor with a cost", async () => {
    const signed = await signUp({ name: "Demo User", email: "demo@example.com", password: "demo password" });
    expect(signed.ok).toBe(true);
    if (!signed.ok) return;
    const workflows = await db.workflow.findMany({ where: { teamId: signed.teamId } });
    expect(workflows.map((w) => w.name)).toEqual([DEMO_WORKFLOW_NAME]);
    const workflow = workflows[0]!;

    const migrated = migrate(workflow.graph);
    expect(migrated.ok).toBe(true);
    if (!migrated.ok) return;
    const compiled = compile(migrated.document);
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;

    const run = await createRun(db, {
      teamId: signed.teamId,
      workflowId: workflow.id,
      spec: compiled.spec,
      task: DEMO_TASK,
      createdById: signed.userId,
      timeLimitSeconds: 120,
    });
    const processRun = createRunProcessor({
      db,
      publisher: new NullPublisher(),
      control: new InProcessRunControl(),
      agentDeps: () => ({
        resolveSecret: async () => undefined,
        createExecutor: (spec, options) => createExecutor(spec, { ...options, pyodidePool: pool }),
      }),
      logger,
    });
    await processRun({ runId: run.id, attempt: 1 }, new AbortController().signal);

    const finished = await db.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(finished.error).toBeNull();
    expect(finished.status).toBe("succeeded");
    expect(String(finished.output)).toMatch(/Stockholm is the largest/);

    const events: RunEvent[] = await listEventsAfter(db, run.id, -1, 5000);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i));
    const types = (path: string) =>
      new Set(events.filter((event) => event.agentPath.join("/") === path).map((event) => event.type));
    expect([...types("manager")]).toEqual(
      expect.arrayContaining(["plan", "code_action", "observation", "final_answer", "run_finished"]),
    );
    expect([...types("manager/researcher")]).toEqual(expect.arrayContaining(["tool_call", "final_answer"]));
    expect([...types("manager/analyst")]).toEqual(expect.arrayContaining(["code_action", "final_answer"]));
    // The analyst's Python really ran in Pyodide and computed the figures the manager reports.
    const analystObservation = events.find(
      (event) => event.type === "observation" && event.agentPath.join("/") === "manager/analyst",
    );
    expect(analystObservation).toMatchObject({ observation: expect.stringContaining("percent=25.5") });

    const usage = accumulateUsage(emptyUsage(), events);
    expect(usage.total.inputTokens).toBeGreaterThan(0);
    expect(usage.total.costUsd).toBeGreaterThan(0);
    expect(finished.inputTokens).toBe(usage.total.inputTokens);
    expect(finished.outputTokens).toBe(usage.total.outputTokens);
    expect(finished.costUsd).toBeCloseTo(usage.total.costUsd ?? -1, 12);
    expect(Object.keys(usage.byAgent).sort()).toEqual(["manager", "manager/analyst", "manager/researcher"]);
  });

  it("comes from the onboarding hook the wiring sets: without it a new team starts empty", async () => {
    setOnboarding(undefined);
    try {
      const signed = await signUp({ name: "Bare", email: "bare@example.com", password: "no demo please" });
      expect(signed.ok).toBe(true);
      if (!signed.ok) return;
      expect(await db.workflow.count({ where: { teamId: signed.teamId } })).toBe(0);
    } finally {
      setOnboarding(seedDemoWorkflow);
    }
  });
});
