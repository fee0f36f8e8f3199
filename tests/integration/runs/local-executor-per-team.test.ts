import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalExecutorNotAllowedError } from "~/agents/executors";
import { apiPeople, rejection } from "../api/api-people";
import { createTestDatabase } from "../api/test-database";
import { finishedRun } from "./finished-run";

/**
 * ALLOW_LOCAL_EXECUTOR names the teams that may run model code unsandboxed; here one team,
 * "trusted-lab". Run start refuses a local sandbox for any other team, and the worker (started as
 * the web process starts it, with the in-process queue) decides per run from the run's own team:
 * two runs of the same local-sandbox workflow, one per team, on one worker.
 */
const database = await createTestDatabase("local_per_team");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  PYODIDE_POOL_SIZE: "0",
  ALLOW_LOCAL_EXECUTOR: "trusted-lab",
  LOG_LEVEL: "warn",
});
const { db, startDatabase } = await import("~/server/db");
const { getRunServices, closeRunServices } = await import("~/server/runs/run-services");
const { startWorker } = await import("~/server/worker/start-worker");
const { createAgentDeps } = await import("~/server/runs/agent-deps");
const { createRun } = await import("~/server/runs/run-store");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { logger } = await import("~/server/logger");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;

let worker: ReturnType<typeof startWorker>;

beforeAll(async () => {
  await startDatabase();
  worker = startWorker({
    db,
    services: getRunServices(),
    publisher: new NullPublisher(),
    logger,
    concurrency: 2,
  });
});

afterAll(async () => {
  await worker?.stop(1000);
  await closeRunServices();
  await db.$disconnect();
  await database.drop();
});

/** The person's demo workflow (replay models, two code agents) with its sandbox switched to local. */
async function localDemoOf(someone: Person): Promise<string> {
  const workflow = await db.workflow.findFirstOrThrow({ where: { teamId: someone.teamId } });
  const graph = workflow.graph as { nodes: { type: string; data: Record<string, unknown> }[] };
  for (const node of graph.nodes) if (node.type === "sandbox") node.data = { kind: "local" };
  await someone.caller.workflow.saveGraph({
    workflowId: workflow.id,
    revision: workflow.revision,
    graph: graph as never,
  });
  return workflow.id;
}

const finished = (runId: string) => finishedRun(db, runId);

describe("the local executor, per team", () => {
  it("runs a named team's local-sandbox workflow; another team's run of the same spec is refused by the worker before any step", async () => {
    const lab = await person("Lab", "lab@example.com");
    await db.team.update({ where: { id: lab.teamId }, data: { slug: "trusted-lab" } });
    const stranger = await person("Stranger", "stranger@example.com");

    const workflowId = await localDemoOf(lab);
    expect(await lab.caller.team.limits({ teamId: lab.teamId })).toMatchObject({ localExecutor: true });
    const { runId } = await lab.caller.run.start({ workflowId, task: "Compare the cities." });
    const labRun = await finished(runId);
    expect([labRun.status, labRun.error]).toEqual(["succeeded", null]);
    expect(await db.runEvent.count({ where: { runId, type: "code_action" } })).toBeGreaterThan(0);

    // The stranger's team cannot start it (the canvas and run start say so) ...
    const strangersWorkflow = await localDemoOf(stranger);
    expect(await stranger.caller.team.limits({ teamId: stranger.teamId })).toMatchObject({
      localExecutor: false,
    });
    const refused = await rejection(
      stranger.caller.run.start({ workflowId: strangersWorkflow, task: "Compare." }),
    );
    expect(refused.message).toMatch(/This team may not use the local sandbox/);
    // ... and a run of the lab's very spec, stored for the stranger's team, is refused by the worker.
    const stored = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const smuggled = await createRun(db, {
      teamId: stranger.teamId,
      spec: stored.spec as never,
      task: "Compare the cities.",
    });
    await getRunServices().queue.enqueue(smuggled.id);
    const strangerRun = await finished(smuggled.id);
    expect(strangerRun.status).toBe("failed");
    expect(strangerRun.error).toBe(
      'Agents "manager", "analyst" would run in the local sandbox, which executes model-written Python unsandboxed on the server; this server allows it only for teams its operator names. Choose the pyodide or docker sandbox.',
    );
    expect(await db.runEvent.count({ where: { runId: smuggled.id } })).toBe(0);
  });

  it("builds sandboxes per run's team: the local executor only for a named team", async () => {
    const agent = createAgentDeps(db);
    try {
      await expect(
        agent.depsFor({ id: "t1", slug: "trusted-lab-2" }).createExecutor({ kind: "local" }, {}),
      ).rejects.toBeInstanceOf(LocalExecutorNotAllowedError);
      const executor = await agent
        .depsFor({ id: "t2", slug: "trusted-lab" })
        .createExecutor({ kind: "local" }, {});
      try {
        expect(executor.kind).toBe("local");
        expect((await executor.run("1 + 1")).output).toBe(2);
      } finally {
        await executor.close();
      }
    } finally {
      await agent.close();
    }
  });
});
