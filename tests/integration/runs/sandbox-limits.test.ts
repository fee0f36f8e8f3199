import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, rejection } from "../api/api-people";
import { createTestDatabase } from "../api/test-database";
import { finishedRun } from "./finished-run";

/**
 * The operator's sandbox bounds: SANDBOX_IMAGES is the only source of Docker images and
 * SANDBOX_MAX_* cap memory, CPUs and time. Run start refuses a workflow outside them, and the worker
 * refuses a stored spec outside them (a run smuggled past run start) before any step.
 */
const database = await createTestDatabase("sandbox_limits");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  PYODIDE_POOL_SIZE: "0",
  SANDBOX_IMAGES: "troupe-sandbox:test",
  SANDBOX_MAX_MEMORY_MB: "1024",
  LOG_LEVEL: "warn",
});
const { db, startDatabase } = await import("~/server/db");
const { getRunServices, closeRunServices } = await import("~/server/runs/run-services");
const { startWorker } = await import("~/server/worker/start-worker");
const { createRun } = await import("~/server/runs/run-store");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { logger } = await import("~/server/logger");
const { person } = await apiPeople();

let worker: ReturnType<typeof startWorker>;

beforeAll(async () => {
  await startDatabase();
  worker = startWorker({
    db,
    services: getRunServices(),
    publisher: new NullPublisher(),
    logger,
    concurrency: 1,
  });
});

afterAll(async () => {
  await worker?.stop(1000);
  await closeRunServices();
  await db.$disconnect();
  await database.drop();
});

const finished = (runId: string) => finishedRun(db, runId);

describe("sandbox limits at run start and in the worker", () => {
  it("refuses an image outside SANDBOX_IMAGES and memory above the maximum, with the stored data unchanged", async () => {
    const owner = await person("Owner", "owner@example.com");
    const workflow = await db.workflow.findFirstOrThrow({ where: { teamId: owner.teamId } });
    const graph = workflow.graph as { nodes: { type: string; data: Record<string, unknown> }[] };
    for (const node of graph.nodes) {
      if (node.type === "sandbox")
        node.data = { kind: "docker", image: "attacker/miner:latest", memoryMb: 4096 };
    }
    await owner.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: workflow.revision,
      graph: graph as never,
    });
    const runsBefore = await db.run.count();
    const refused = await rejection(owner.caller.run.start({ workflowId: workflow.id, task: "Mine." }));
    expect(refused.message).toMatch(
      /^This workflow cannot run yet: Docker image "attacker\/miner:latest" is not one this server allows \(troupe-sandbox:test\) \(and \d+ more\)\.$/,
    );
    expect(await db.run.count()).toBe(runsBefore);

    // A spec stored past run start is refused by the worker before any step.
    const spec = {
      type: "code",
      name: "miner",
      model: { provider: "replay", transcript: ["Thought: x\n<code>\nfinal_answer(1)\n</code>"] },
      executor: { kind: "docker", image: "attacker/miner:latest" },
    };
    const smuggled = await createRun(db, { teamId: owner.teamId, spec: spec as never, task: "Mine." });
    await getRunServices().queue.enqueue(smuggled.id);
    const run = await finished(smuggled.id);
    expect([run.status, run.error]).toEqual([
      "failed",
      'Agent "miner": Docker image "attacker/miner:latest" is not one this server allows (troupe-sandbox:test).',
    ]);
    expect(await db.runEvent.count({ where: { runId: smuggled.id } })).toBe(0);
  });
});
