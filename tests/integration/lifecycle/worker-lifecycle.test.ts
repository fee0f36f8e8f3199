import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lookupClerkSpec, startLookupToolServer } from "../../helpers/lookup-clerk";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";
import {
  liveWorkers,
  scriptDelayedClerk,
  startWorkerProcess,
  type WorkerProcess,
  waitForWorker,
} from "../../helpers/worker-process";
import { createTestDatabase } from "../api/test-database";

/**
 * A worker's life with real processes: Postgres, BullMQ on Redis, `npm run worker` children and a
 * worker in this process. The heartbeat keeps the runs of a worker whose event loop is blocked past
 * the lock duration, and a killed worker's run is still recovered; SIGTERM lets a run finish within
 * the grace period, hands waiting runs to other workers, and ends a run past the grace period with
 * the reason — never leaving one `running`.
 */
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const QUEUE = `test-lifecycle-${randomBytes(4).toString("hex")}`;
const LOCK_MS = 1000;
const database = await createTestDatabase("lifecycle");
const openai: OpenAITestServer = await startOpenAIServer();
scriptDelayedClerk(openai);
const { url: toolUrl, server: toolServer } = await startLookupToolServer();
// The worker in this process reads these once, at import: the scripted model is the installation's
// endpoint, and the tool server on loopback is opened to the guarded fetch.
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL,
  RUN_QUEUE_NAME: QUEUE,
  LOG_LEVEL: "warn",
  OPENAI_API_KEY: "sk-test",
  OPENAI_BASE_URL: openai.url,
  OUTBOUND_ALLOW: new URL(toolUrl).host,
});
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { createRun } = await import("~/server/runs/run-store");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { startWorker } = await import("~/server/worker/start-worker");
const { logger } = await import("~/server/logger");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let teamId: string;
const children: WorkerProcess[] = [];

async function worker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = await startWorkerProcess({
    DATABASE_URL: database.url,
    REDIS_URL,
    RUN_QUEUE_NAME: QUEUE,
    RUN_LOCK_DURATION_MS: String(LOCK_MS),
    RUN_STALLED_INTERVAL_MS: "500",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: openai.url,
    OUTBOUND_ALLOW: new URL(toolUrl).host,
    ...env,
  });
  children.push(child);
  return child;
}

async function newRun(task: string) {
  return createRun(db, { teamId, spec: lookupClerkSpec(openai.url, toolUrl) as never, task });
}

async function waitForStatus(runId: string, statuses: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(
        `run ${runId} is ${run.status}, not ${statuses.join("|")}\n${children.map((c) => c.output()).join("\n")}`,
      );
    await sleep(50);
  }
}

/** Busy-wait: this process's event loop answers nothing for `ms` (a long synchronous step). */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Nothing: the point is not to yield.
  }
}

beforeAll(async () => {
  await startDatabase();
  const account = await signUp({ name: "Ada", email: "ada@example.com", password: "engines all the way" });
  if (!account.ok) throw new Error("sign-up failed");
  const user = await db.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
  teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
}, 120_000);

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.alive()) child.child.kill("SIGKILL");
    await child.exited;
  }
});

afterAll(async () => {
  toolServer.close();
  await openai.close();
  await db.$disconnect();
  await database.drop();
}, 60_000);

/**
 * This process carries a run on the real worker code (startWorker over BullMQ) while a worker
 * process watches for stalled jobs; then this process's event loop blocks for three lock durations.
 */
async function runThroughBlockedLoop(maxBlockedMs: number | false) {
  // The watcher: a worker process with one slot, kept busy by a run whose model never answers in
  // time, so it takes no other run but goes on checking for stalled jobs.
  const watcher = await worker({ WORKER_CONCURRENCY: "1" });
  await waitForWorker(watcher, REDIS_URL, QUEUE, 120_000);
  const queue = new BullmqRunQueue({
    redisUrl: REDIS_URL,
    name: QUEUE,
    lockDurationMs: LOCK_MS,
    stalledIntervalMs: 500,
    maxBlockedMs,
  });
  const occupier = await newRun("Occupy the watcher (first=600000)");
  await queue.enqueue(occupier.id);
  await waitForStatus(occupier.id, ["running"], 60_000);
  const control = new InProcessRunControl();
  // Two slots here: a job handed back while this process still carries it is taken again at once.
  const local = startWorker({
    db,
    services: { queue, control },
    publisher: new NullPublisher(),
    logger,
    concurrency: 2,
  });
  try {
    // Each model call takes 3 s: the run is still going for seconds after the block.
    const run = await newRun("Define troupe (delay=3000)");
    await queue.enqueue(run.id);
    await waitForStatus(run.id, ["running"], 20_000);
    blockEventLoop(LOCK_MS * 3);
    return await waitForStatus(run.id, ["succeeded", "failed"], 60_000);
  } finally {
    await local.stop(2_000);
    await control.close();
  }
}

describe("worker heartbeat", () => {
  it("keeps the run of a worker whose event loop is blocked longer than the lock duration", async () => {
    const finished = await runThroughBlockedLoop(60_000);
    expect([finished.status, finished.error, finished.output, finished.attempt]).toEqual([
      "succeeded",
      null,
      "definition of troupe",
      1,
    ]);
  }, 90_000);

  it("without the heartbeat, the same block loses the run (what the heartbeat fixes)", async () => {
    const finished = await runThroughBlockedLoop(false);
    expect(finished.status).toBe("failed");
    expect(finished.error).toMatch(/worker running this run stopped unexpectedly/);
  }, 90_000);

  it("recovers the run of a SIGKILLed worker once its heartbeat stops", async () => {
    const doomed = await worker();
    await waitForWorker(doomed, REDIS_URL, QUEUE);
    const run = await newRun("Define troupe slowly (delay=30000)");
    const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE, maxBlockedMs: false });
    await queue.enqueue(run.id);
    await waitForStatus(run.id, ["running"], 20_000);
    const rescuer = await worker();
    await waitForWorker(rescuer, REDIS_URL, QUEUE);
    const killedAt = Date.now();
    doomed.child.kill("SIGKILL");
    const finished = await waitForStatus(run.id, ["failed"], 20_000);
    expect(finished.error).toMatch(/worker running this run stopped unexpectedly/);
    // Recovered within a few lock durations and stalled checks, not at the run's time limit.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect((await liveWorkers(REDIS_URL, QUEUE)).map((w) => w.pid)).not.toContain(doomed.child.pid);
    await queue.close(100);
  }, 90_000);
});

describe("graceful worker shutdown", () => {
  it("lets a run finish within the grace period and leaves waiting runs to another worker", async () => {
    const stopping = await worker({ SHUTDOWN_GRACE_SECONDS: "20", WORKER_CONCURRENCY: "1" });
    await waitForWorker(stopping, REDIS_URL, QUEUE);
    const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE, maxBlockedMs: false });
    const carried = await newRun("Define troupe (delay=1500)");
    await queue.enqueue(carried.id);
    await waitForStatus(carried.id, ["running"], 20_000);
    stopping.child.kill("SIGTERM");
    await sleep(200);
    const waiting = await newRun("Define troupe next (delay=100)");
    await queue.enqueue(waiting.id);

    expect(await stopping.exited).toEqual({ code: 0, signal: null });
    const done = await db.run.findUniqueOrThrow({ where: { id: carried.id } });
    expect([done.status, done.output]).toEqual(["succeeded", "definition of troupe"]);
    expect((await db.run.findUniqueOrThrow({ where: { id: waiting.id } })).status).toBe("queued");

    const next = await worker();
    const handedOn = await waitForStatus(waiting.id, ["succeeded", "failed"], 30_000);
    expect([handedOn.status, handedOn.output]).toEqual(["succeeded", "definition of troupe"]);
    next.child.kill("SIGTERM");
    expect(await next.exited).toEqual({ code: 0, signal: null });
    await queue.close(100);
  }, 90_000);

  it("ends a run still going after the grace period failed with the reason, never running", async () => {
    const stopping = await worker({ SHUTDOWN_GRACE_SECONDS: "1" });
    await waitForWorker(stopping, REDIS_URL, QUEUE);
    const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE, maxBlockedMs: false });
    const run = await newRun("Define troupe at length (delay=60000)");
    await queue.enqueue(run.id);
    await waitForStatus(run.id, ["running"], 20_000);
    const signalledAt = Date.now();
    stopping.child.kill("SIGTERM");
    expect(await stopping.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    const ended = await db.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(ended.status).toBe("failed");
    expect(ended.error).toMatch(/worker shut down before this run finished/);
    expect(await liveWorkers(REDIS_URL, QUEUE)).toEqual([]);
    await queue.close(100);
  }, 60_000);
});
