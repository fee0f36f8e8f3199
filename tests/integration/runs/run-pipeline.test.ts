import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { runStreamEvents } from "~/lib/run-stream";
import {
  lookupClerkSpec,
  scriptLookupClerk,
  sessionCookie,
  startLookupToolServer,
  startRunSocketServer,
} from "../../helpers/lookup-clerk";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/**
 * The production shape of runs, for real: Postgres, BullMQ on Redis, two `npm run worker` processes,
 * a scripted OpenAI-compatible server answering in 200 ms through the real `openai` client, an HTTP
 * tool, and Socket.IO with the Redis adapter and the real cookie authentication.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const AUTH_SECRET = "runs-pipeline-test-secret-0123456789abcdef";
const QUEUE = `test-runs-${randomBytes(4).toString("hex")}`;
const dbName = `troupe_runs_${randomBytes(4).toString("hex")}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

await admin(`CREATE DATABASE "${dbName}"`);
Object.assign(process.env, {
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL,
  AUTH_SECRET,
  RUN_QUEUE_NAME: QUEUE,
  LOG_LEVEL: "warn",
});
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
const { createRun, listEventsAfter } = await import("~/server/runs/run-store");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let openai: OpenAITestServer;
let toolServer: HttpServer;
let toolUrl: string;
let sockets: { url: string; close(): void };
let socketUrl: string;
let cookie: string;
let teamId: string;
let queue: InstanceType<typeof BullmqRunQueue>;
const workers: ChildProcess[] = [];
const workerLogs: string[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/worker/main.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL,
      RUN_QUEUE_NAME: QUEUE,
      RUN_LOCK_DURATION_MS: "10000",
      RUN_STALLED_INTERVAL_MS: "1000",
      WORKER_CONCURRENCY: "50",
      // Several workers on one host: each takes a free port for its health server.
      WORKER_HTTP_PORT: "0",
      // The scripted model server is the installation's endpoint (its key is bound there); the
      // tool server is on loopback, which only OUTBOUND_ALLOW opens.
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      OUTBOUND_ALLOW: new URL(toolUrl).host,
      PYODIDE_POOL_SIZE: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const index = workerLogs.push("") - 1;
  const collect = (chunk: Buffer) => {
    workerLogs[index] += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  workers.push(child);
  return child;
}

function spec(tag: string) {
  return lookupClerkSpec(openai.url, toolUrl, tag);
}

async function waitForRuns(ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await db.run.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, error: true, output: true, hitStepLimit: true },
    });
    if (runs.every((run) => !["queued", "running", "waiting_for_input"].includes(run.status))) return runs;
    if (Date.now() > deadline)
      throw new Error(`runs still active: ${JSON.stringify(runs)}\n${workerLogs.join("\n")}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  await startDatabase();
  const account = await signUp({ name: "Grace", email: "grace@example.com", password: "compilers rule" });
  if (!account.ok) throw new Error("sign-up failed");
  const user = await db.user.findUniqueOrThrow({ where: { email: "grace@example.com" } });
  teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
  cookie = await sessionCookie(user, AUTH_SECRET);

  // The model: look the word up once, then answer with what the tool said.
  openai = await startOpenAIServer();
  scriptLookupClerk(openai, 200);
  ({ url: toolUrl, server: toolServer } = await startLookupToolServer());
  sockets = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });
  socketUrl = sockets.url;

  queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE });
  startWorkerProcess();
  startWorkerProcess();
}, 120_000);

afterAll(async () => {
  for (const worker of workers)
    if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGTERM");
  await Promise.all(
    workers.map((w) =>
      w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once("exit", r)) : null,
    ),
  );
  await queue?.close(100);
  sockets?.close();
  toolServer?.close();
  await openai?.close();
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}, 60_000);

/** A browser-like subscriber: keeps events by seq, resubscribes from its last seq on reconnect. */
function subscriber(runId: string) {
  const events = new Map<number, RunEvent>();
  const received: number[] = [];
  let lastSeq = -1;
  const socket: Socket = connect(socketUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie },
    reconnection: false,
  });
  socket.on(runStreamEvents.events, (batch: RunEvent[]) => {
    for (const event of batch) {
      received.push(event.seq);
      if (!events.has(event.seq)) events.set(event.seq, event);
      lastSeq = Math.max(lastSeq, event.seq);
    }
  });
  const subscribe = () =>
    new Promise<{ ok: boolean; error?: string }>((resolve) =>
      socket.emit(runStreamEvents.subscribe, { runId, afterSeq: lastSeq }, resolve),
    );
  return {
    socket,
    events,
    received,
    subscribe,
    get lastSeq() {
      return lastSeq;
    },
  };
}

describe("runs on BullMQ with two worker processes", () => {
  it("stores every event of 20 concurrent runs exactly once and in order, and streams them to a reconnecting client", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const run = await createRun(db, { teamId, spec: spec(`run ${i}`) as never, task: `Define word ${i}` });
      ids.push(run.id);
    }
    const watched = ids[0]!;
    const client = subscriber(watched);
    await new Promise<void>((resolve, reject) => {
      client.socket.once("connect", resolve);
      client.socket.once("connect_error", reject);
    });
    expect(await client.subscribe()).toMatchObject({ ok: true });
    const started = Date.now();
    for (const id of ids) await queue.enqueue(id);

    // Drop the connection once some events arrived, then come back from the last seq seen.
    while (client.events.size === 0) await sleep(5);
    client.socket.disconnect();
    await sleep(300);
    client.socket.connect();
    await new Promise<void>((resolve) => client.socket.once("connect", resolve));
    expect(await client.subscribe()).toMatchObject({ ok: true });

    const runs = await waitForRuns(ids, 60_000);
    console.log(`20 runs on two workers: ${Date.now() - started} ms`);
    expect(runs.map((r) => [r.status, r.error, r.hitStepLimit, r.output])).toEqual(
      ids.map(() => ["succeeded", null, false, "definition of troupe"]),
    );

    for (const id of ids) {
      const stored = await listEventsAfter(db, id, -1, 10_000);
      const run = await db.run.findUniqueOrThrow({ where: { id } });
      expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i));
      expect(run.lastSeq).toBe(stored.length - 1);
      expect(stored[0]?.type).toBe("run_started");
      expect(stored.at(-1)?.type).toBe("run_finished");
      expect(stored.filter((e) => e.type === "tool_call").length).toBeGreaterThanOrEqual(1);
      expect(run.inputTokens).toBeGreaterThan(0);
      expect(run.costUsd).toBeGreaterThan(0);
    }

    await sleep(300);
    const stored = await listEventsAfter(db, watched, -1, 10_000);
    expect([...client.events.keys()].sort((a, b) => a - b)).toEqual(stored.map((e) => e.seq));
    expect([...client.events.values()].map((e) => e.type)).toEqual(stored.map((e) => e.type));
    client.socket.close();
  }, 90_000);

  it("refuses to stream another team's run", async () => {
    const other = await signUp({
      name: "Mallory",
      email: "mallory@example.com",
      password: "not yours at all",
    });
    if (!other.ok) throw new Error("sign-up failed");
    const otherUser = await db.user.findUniqueOrThrow({ where: { email: "mallory@example.com" } });
    const otherTeam = (await db.membership.findFirstOrThrow({ where: { userId: otherUser.id } })).teamId;
    const run = await createRun(db, {
      teamId: otherTeam,
      spec: spec("private") as never,
      task: "secret work",
    });
    const client = subscriber(run.id);
    await new Promise<void>((resolve) => client.socket.once("connect", resolve));
    expect(await client.subscribe()).toEqual({ ok: false, error: "Run not found." });
    client.socket.close();

    const anonymous = connect(socketUrl, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnection: false,
    });
    const refusal = await new Promise<string>((resolve) =>
      anonymous.once("connect_error", (e) => resolve(e.message)),
    );
    expect(refusal).toBe("unauthorized");
    anonymous.close();
  });

  it("ends a run failed with a reason when its worker is killed mid-run, never stuck running", async () => {
    openai.enqueue({ delayMs: 30_000, content: "never sent" });
    const run = await createRun(db, { teamId, spec: spec("doomed") as never, task: "Take your time" });
    await queue.enqueue(run.id);
    const deadline = Date.now() + 20_000;
    while ((await db.run.findUniqueOrThrow({ where: { id: run.id } })).status !== "running") {
      if (Date.now() > deadline) throw new Error("run never started");
      await sleep(50);
    }
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
    startWorkerProcess();
    const [finished] = await waitForRuns([run.id], 60_000);
    expect(finished?.status).toBe("failed");
    expect(finished?.error).toMatch(/worker running this run stopped unexpectedly/);
  }, 100_000);
});
