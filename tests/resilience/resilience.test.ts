import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { type ScriptedAnswer, startOpenAIServer } from "../helpers/openai-server";
import { startWorkerProcess, type WorkerProcess, waitForWorker } from "../helpers/worker-process";
import { createTestDatabase } from "../integration/api/test-database";
import { freePort, type SuiteRedis, seededRandom, startRedis, startWeb, type WebProcess } from "./cluster";

/**
 * The resilience suite: two web processes and three workers from their real entry points, their own
 * Redis server, a real Postgres database, 200 runs of a scripted model with random step latencies
 * started through the web processes' API — while workers are SIGKILLed mid-run and restarted, Redis
 * is restarted, the database's connections are terminated and browsers' sockets are cut. Afterwards
 * every run has ended with a reason, every stored event sequence is whole, and every subscriber saw
 * exactly what was stored. Bounded loops; RESILIENCE_SEED replays a run's chaos (the seed is printed).
 */
const SEED = Number(process.env.RESILIENCE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.RESILIENCE_RUNS ?? 200);
const WORKERS = 3;
const SUBSCRIBERS = 8;
const PORT_BASE = process.env.RESILIENCE_PORT_BASE ? Number(process.env.RESILIENCE_PORT_BASE) : undefined;
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const AUTH_SECRET = randomBytes(24).toString("hex");
const QUEUE = `resilience-${randomBytes(3).toString("hex")}`;
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out"];

const database = await createTestDatabase("resilience");
const redis: SuiteRedis = await startRedis(await freePort(PORT_BASE));
const openai = await startOpenAIServer();
// A two-step clerk (look the word up, then answer) whose every model call takes 50-1500 ms, or 8 s
// for a task asking to take its time (the clean-stop phase).
openai.fallback = (request): ScriptedAnswer => {
  const messages = request.body.messages as Array<{ role: string; content?: unknown }>;
  const slow = JSON.stringify(messages.find((m) => m.role === "user")?.content ?? "").includes(
    "take your time",
  );
  const delayMs = slow ? 8_000 : 50 + Math.floor(random() * 1450);
  if (messages.some((m) => m.role === "assistant")) {
    const observation = JSON.stringify(messages.at(-1)?.content ?? "");
    const definition = /definition of \w+/.exec(observation)?.[0] ?? "no definition";
    return { delayMs, toolCalls: [{ name: "final_answer", arguments: { answer: definition } }] };
  }
  return { delayMs, toolCalls: [{ name: "lookup", arguments: { q: "troupe" } }] };
};
const { startLookupToolServer, sessionCookie } = await import("../helpers/lookup-clerk");
const tool = await startLookupToolServer();

const sharedEnv: Record<string, string> = {
  DATABASE_URL: database.url,
  REDIS_URL: redis.url,
  RUN_QUEUE_NAME: QUEUE,
  AUTH_SECRET,
  SECRETS_KEY: randomBytes(32).toString("hex"),
  OPENAI_API_KEY: "sk-test",
  OPENAI_BASE_URL: openai.url,
  OUTBOUND_ALLOW: new URL(tool.url).host,
  PYODIDE_POOL_SIZE: "0",
  RUN_LOCK_DURATION_MS: "5000",
  RUN_STALLED_INTERVAL_MS: "1000",
  SHUTDOWN_GRACE_SECONDS: "5",
  TEAM_MAX_CONCURRENT_RUNS: "10000",
  TEAM_MAX_RUNS_PER_HOUR: "100000",
  LOG_LEVEL: "warn",
};
Object.assign(process.env, sharedEnv);
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { retryTransient } = await import("~/server/db/transient");
const { SERVER_SHUTTING_DOWN } = await import("~/server/lifecycle/shutdown");
const { runStreamEvents } = await import("~/lib/run-stream");
const { contiguousSeq, mergeEvents } = await import("~/lib/run-timeline");

/** Queries of the suite itself survive the connections it terminates. */
const query = <T>(operation: () => Promise<T>) => retryTransient(operation, { attempts: 20 });

const webs: WebProcess[] = [];
const workers: WorkerProcess[] = [];
const tally = {
  workerKills: 0,
  workerRestarts: 0,
  redisRestarts: 0,
  postgresTerminations: 0,
  postgresBackendsTerminated: 0,
  socketCuts: 0,
  startRetries: 0,
  eventsChecked: 0,
  subscriptionsChecked: 0,
};

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess({ ...sharedEnv, NODE_ENV: "production", WORKER_CONCURRENCY: "20" });
  workers.push(worker);
  return worker;
}

let cookie: string;
let workflowId: string;

/** The graph a run starts from: the clerk agent, the installation's OpenAI model, the lookup tool. */
function clerkWorkflow() {
  return {
    version: 1,
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 0, y: 0 },
        data: {
          agentType: "toolCalling",
          name: "clerk",
          description: "Looks words up.",
          instructions: "Look the word up, then answer with its definition.",
          maxSteps: 5,
          addBaseTools: false,
          additionalAuthorizedImports: [],
        },
      },
      {
        id: "model",
        type: "model",
        position: { x: 0, y: 200 },
        data: { provider: "openai", model: "gpt-4o-mini", apiKeySecret: "OPENAI_API_KEY" },
      },
      {
        id: "lookup",
        type: "tool",
        position: { x: 300, y: 200 },
        data: {
          kind: "http",
          name: "lookup",
          description: "Look a word up.",
          method: "GET",
          url: `${tool.url}/lookup?q={q}`,
          inputs: { q: { type: "string", description: "The word." } },
        },
      },
    ],
    edges: [
      {
        id: "e-model",
        type: "uses-model",
        source: "agent",
        target: "model",
        sourceHandle: "model",
        targetHandle: "in",
      },
      {
        id: "e-tool",
        type: "uses-tool",
        source: "agent",
        target: "lookup",
        sourceHandle: "tools",
        targetHandle: "in",
      },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

/** `run.start` over HTTP on a web process, as the canvas calls it; a 5xx or a cut connection is tried again. */
async function startRun(web: WebProcess, task: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${web.base}/api/trpc/run.start`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: web.base, cookie },
        body: JSON.stringify({ json: { workflowId, task } }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as { result?: { data: { json: { runId: string } } } };
      if (response.ok && body.result) return body.result.data.json.runId;
      if (response.status < 500 || attempt >= 10)
        throw new Error(`run.start answered ${response.status}: ${JSON.stringify(body)}`);
    } catch (error) {
      if (attempt >= 10 || (error instanceof Error && error.message.startsWith("run.start answered")))
        throw error;
    }
    tally.startRetries++;
    await sleep(300 * attempt);
  }
}

/**
 * A browser's run stream, as src/components/runs/use-run-events.ts keeps it (the same merge and
 * hole rules from src/lib/run-timeline.ts): subscribes from the last seq it holds without a hole on
 * every (re)connection, when a batch shows a hole and when the run ends; reconnects when its
 * transport is cut.
 */
interface FollowedRun {
  events: readonly RunEvent[];
  lastSeq: number;
  catchingUp: boolean;
}

interface Follower {
  socket: Socket;
  runs: Map<string, FollowedRun>;
  follow(runId: string): Promise<void>;
}

function follower(web: WebProcess): Follower {
  const socket = connect(web.base, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie },
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
  });
  const runs: Follower["runs"] = new Map();
  const subscribe = async (runId: string) => {
    const state = runs.get(runId)!;
    state.catchingUp = true;
    try {
      for (let attempt = 1; attempt <= 20; attempt++) {
        if (!socket.connected) return; // the next connect subscribes again
        try {
          const ack = (await socket
            .timeout(5_000)
            .emitWithAck(runStreamEvents.subscribe, { runId, afterSeq: state.lastSeq })) as {
            ok: boolean;
            error?: string;
          };
          if (ack.ok) return;
        } catch {
          // No answer in time: ask again.
        }
        await sleep(200 * attempt);
      }
      // Still refused: the next reconnection, hole or end of the run asks again.
    } finally {
      state.catchingUp = false;
    }
  };
  const subscribeAll = () => {
    for (const runId of runs.keys()) void subscribe(runId);
  };
  socket.on("connect", subscribeAll);
  socket.on(runStreamEvents.resync, subscribeAll);
  socket.on(runStreamEvents.events, (batch: RunEvent[]) => {
    const runId = batch[0]?.runId;
    const state = runId === undefined ? undefined : runs.get(runId);
    if (!runId || !state) return;
    for (const event of batch) {
      const held = state.events.find((e) => e.seq === event.seq);
      if (held && !isDeepStrictEqual(held, event)) conflicts.push(`${event.runId}#${event.seq}`);
    }
    state.events = mergeEvents(state.events, batch);
    state.lastSeq = contiguousSeq(state.events);
    if (state.events.at(-1)!.seq > state.lastSeq && !state.catchingUp) void subscribe(runId);
  });
  socket.on(runStreamEvents.status, (update: { runId: string; status: string }) => {
    if (runs.has(update.runId) && TERMINAL.includes(update.status)) void subscribe(update.runId);
  });
  return {
    socket,
    runs,
    async follow(runId) {
      runs.set(runId, { events: [], lastSeq: -1, catchingUp: false });
      await subscribe(runId);
    },
  };
}

const followers: Follower[] = [];
/** Seqs a follower received twice with different content (there must be none). */
const conflicts: string[] = [];

beforeAll(async () => {
  console.log(`resilience: seed ${SEED} (RESILIENCE_SEED=${SEED} replays it), ${RUNS} runs, queue ${QUEUE}`);
  await startDatabase();
  const account = await signUp({ name: "Ops", email: "ops@example.com", password: "nothing is lost" });
  if (!account.ok) throw new Error("sign-up failed");
  const user = await db.user.findUniqueOrThrow({ where: { email: "ops@example.com" } });
  const teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
  cookie = await sessionCookie(user, AUTH_SECRET);
  workflowId = (
    await db.workflow.create({
      data: { teamId, name: "Clerk", graph: clerkWorkflow(), createdById: user.id },
    })
  ).id;

  // The first web process builds Next when the build is missing or stale (once); the second reuses it.
  const webEnv = { ...sharedEnv, RUN_WORKER_IN_WEB: "false" };
  const buildStarted = Date.now();
  webs.push(await startWeb(await freePort(PORT_BASE && PORT_BASE + 1), webEnv, 900_000));
  console.log(`resilience: first web process ready in ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);
  webs.push(await startWeb(await freePort(PORT_BASE && PORT_BASE + 2), webEnv, 120_000));
  for (let i = 0; i < WORKERS; i++) await startWorker();
  for (const worker of workers) await waitForWorker(worker, redis.url, QUEUE, 120_000);
  for (let i = 0; i < SUBSCRIBERS; i++) followers.push(follower(webs[i % webs.length]!));
}, 1_000_000);

afterAll(async () => {
  for (const f of followers) f.socket.close();
  for (const worker of workers) if (worker.alive()) worker.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await Promise.all(webs.map((w) => w.stop()));
  await db.$disconnect();
  await redis.stop();
  await openai.close();
  tool.server.close();
  await database.drop();
}, 120_000);

/** The chaos, one action at a time until `done()`: bounded by its own counts and by `deadline`. */
async function chaos(done: () => boolean, deadline: number) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const dbName = new URL(database.url).pathname.slice(1);
  let lastRedisRestart = Date.now();
  try {
    while (!done() && Date.now() < deadline) {
      await sleep(400 + Math.floor(random() * 1200));
      const roll = random();
      const alive = workers.filter((w) => w.alive());
      if (roll < 0.25 && alive.length > 1 && tally.workerKills < 25) {
        // SIGKILL a worker mid-run; a new one takes its place a moment later.
        pick(alive).child.kill("SIGKILL");
        tally.workerKills++;
        await sleep(200 + Math.floor(random() * 800));
        await startWorker();
        tally.workerRestarts++;
      } else if (roll < 0.35 && tally.redisRestarts < 3 && Date.now() - lastRedisRestart > 8_000) {
        await redis.restart(200 + Math.floor(random() * 800));
        tally.redisRestarts++;
        lastRedisRestart = Date.now();
      } else if (roll < 0.6 && tally.postgresTerminations < 25) {
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [dbName],
        );
        tally.postgresTerminations++;
        tally.postgresBackendsTerminated += rowCount ?? 0;
      } else {
        // A browser's network drops: the client reconnects and subscribes again from its last seq.
        const victim = pick(followers);
        victim.socket.io.engine?.close();
        tally.socketCuts++;
      }
    }
  } finally {
    await admin.end();
  }
}

describe("resilience", () => {
  it(`${RUNS} runs through killed workers, a restarted Redis, cut database connections and cut sockets`, async () => {
    const started = Date.now();
    const runIds: string[] = [];
    let starting = true;
    const chaosDone = chaos(() => !starting && runIds.length >= RUNS, started + 150_000);
    // Eight browsers start runs at once, alternating between the web processes; each run is followed.
    let next = 0;
    await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map(async () => {
        for (let i = next++; i < RUNS; i = next++) {
          const runId = await startRun(webs[i % webs.length]!, `Define word ${i}`);
          runIds.push(runId);
          await followers[i % followers.length]!.follow(runId);
          await sleep(Math.floor(random() * 200));
        }
      }),
    );
    starting = false;
    await chaosDone;
    console.log(`resilience: ${RUNS} runs started in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Every run ends: no run is left queued, running or waiting.
    const settleBy = Date.now() + 120_000;
    let runs = await query(() =>
      db.run.findMany({ select: { id: true, status: true, error: true, lastSeq: true } }),
    );
    while (runs.some((run) => !TERMINAL.includes(run.status)) && Date.now() < settleBy) {
      await sleep(500);
      runs = await query(() =>
        db.run.findMany({ select: { id: true, status: true, error: true, lastSeq: true } }),
      );
    }
    const stuck = runs.filter((run) => !TERMINAL.includes(run.status));
    const byState = new Map<string, number>();
    for (const run of runs) {
      const reason = run.error
        ? `: ${run.error.replace(/\(reference [^)]+\)/, "(reference …)").slice(0, 90)}`
        : "";
      const key = `${run.status}${reason}`;
      byState.set(key, (byState.get(key) ?? 0) + 1);
    }
    console.log(
      [
        `resilience tallies (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s):`,
        ...[...byState]
          .sort((a, b) => b[1] - a[1])
          .map(([key, count]) => `  ${String(count).padStart(4)}  ${key}`),
        `  worker kills ${tally.workerKills}, worker restarts ${tally.workerRestarts}, Redis restarts ${tally.redisRestarts}`,
        `  Postgres terminations ${tally.postgresTerminations} (${tally.postgresBackendsTerminated} connections), socket cuts ${tally.socketCuts}, run.start retries ${tally.startRetries}`,
      ].join("\n"),
    );
    expect(stuck.map((run) => `${run.id} ${run.status}`)).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(RUNS);
    for (const run of runs) {
      if (run.status === "succeeded") expect(run.error).toBeNull();
      else expect(run.error, `run ${run.id} ${run.status} has no reason`).toBeTruthy();
    }

    // Every stored sequence is 0..lastSeq with no gap and no duplicate.
    const stored = new Map<string, RunEvent[]>();
    for (const run of runs) {
      const rows = await query(() =>
        db.runEvent.findMany({
          where: { runId: run.id },
          orderBy: { seq: "asc" },
          select: { seq: true, data: true },
        }),
      );
      expect(
        rows.map((row) => row.seq),
        `events of ${run.id}`,
      ).toEqual(rows.map((_, i) => i));
      expect(run.lastSeq).toBe(rows.length - 1);
      const events = rows.map((row) => row.data as unknown as RunEvent);
      if (run.status === "succeeded") expect(events.at(-1)?.type).toBe("run_finished");
      stored.set(run.id, events);
      tally.eventsChecked += rows.length;
    }

    // Every follower saw exactly the stored sequence of each run it followed (it stayed subscribed,
    // reconnecting through every cut): once the last published events have arrived.
    const catchUpBy = Date.now() + 20_000;
    const behind = () =>
      followers.flatMap((f) =>
        [...f.runs].filter(([runId, state]) => state.events.length < (stored.get(runId)?.length ?? 0)),
      );
    while (behind().length > 0 && Date.now() < catchUpBy) await sleep(200);
    for (const f of followers) {
      for (const [runId, state] of f.runs) {
        const events = stored.get(runId)!;
        expect(
          state.events.map((e) => e.seq),
          `seqs a follower saw of ${runId}`,
        ).toEqual(events.map((e) => e.seq));
        expect(state.events).toEqual(events);
        tally.subscriptionsChecked++;
      }
    }
    expect(conflicts).toEqual([]);
    console.log(
      `resilience: ${tally.eventsChecked} stored events checked gap-free and duplicate-free; ${tally.subscriptionsChecked} subscriptions saw exactly the stored sequence`,
    );
  }, 400_000);

  it("leaves nothing running after a clean stop of every worker and web process", async () => {
    // Runs in flight when every worker gets SIGTERM: quick ones finish within the grace period (5 s),
    // slow ones end failed saying so, and those no worker took stay queued for the next worker.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const task = i % 2 === 0 ? `Define late word ${i}` : `Define late word ${i}, take your time`;
      ids.push(await startRun(webs[i % webs.length]!, task));
    }
    const runningBy = Date.now() + 30_000;
    while (Date.now() < runningBy) {
      const running = await query(() => db.run.count({ where: { id: { in: ids }, status: "running" } }));
      if (running >= 6) break;
      await sleep(100);
    }
    const alive = workers.filter((w) => w.alive());
    // A worker the chaos restarted last may still be starting (no runs, no signal handler yet).
    for (const worker of alive) await waitForWorker(worker, redis.url, QUEUE, 120_000);
    for (const worker of alive) worker.child.kill("SIGTERM");
    const exits = await Promise.all(alive.map((w) => w.exited));
    expect(exits).toEqual(alive.map(() => ({ code: 0, signal: null })));
    const runs = await query(() =>
      db.run.findMany({ where: { id: { in: ids } }, select: { status: true, error: true } }),
    );
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
    console.log(
      `resilience: clean stop of ${alive.length} workers with 12 runs in hand: ${[...counts].map(([status, n]) => `${n} ${status}`).join(", ")}`,
    );
    for (const run of runs) {
      expect(["succeeded", "failed", "queued"]).toContain(run.status);
      if (run.status === "failed") expect(run.error).toMatch(/worker shut down before this run finished/);
    }
    expect(counts.get("succeeded") ?? 0).toBeGreaterThan(0);
    // The web processes stop cleanly too (their browsers are told and dropped).
    const told = new Promise<void>((resolve) =>
      followers[0]!.socket.once(SERVER_SHUTTING_DOWN, () => resolve()),
    );
    expect(await Promise.all(webs.map((w) => w.stop()))).toEqual(webs.map(() => 0));
    await told;
  }, 120_000);
});
