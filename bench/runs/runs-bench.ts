/**
 * Runs bench: how many concurrent runs one worker process carries with a model that answers in
 * 200 ms, the latency of an event from the worker to a connected Socket.IO client, database
 * statements and CPU per step. Real Postgres, Redis, BullMQ, one `npm run worker` process,
 * Socket.IO with the Redis adapter in this process (the web process), the model and tool servers
 * in another (outside-world.ts). Each round starts all its runs in the same instant.
 * Run: `npx tsx bench/runs/runs-bench.ts [concurrency...]` (default 25 50 100).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { io as connect } from "socket.io-client";
import type { RunEvent } from "~/agents/events";
import { lookupClerkSpec, sessionCookie, startRunSocketServer } from "../../tests/helpers/lookup-clerk";
import { startStatementCounter } from "./statement-counter";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const AUTH_SECRET = "runs-bench-secret-0123456789abcdef0123";
const QUEUE = `bench-runs-${randomBytes(4).toString("hex")}`;
const dbName = `troupe_bench_${randomBytes(4).toString("hex")}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;
const levels = process.argv.slice(2).map(Number).filter(Boolean);
const concurrencies = levels.length ? levels : [25, 50, 100];
const MODEL_MS = 200;

async function admin<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  const result = await client.query(sql);
  await client.end();
  return result.rows as T[];
}
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
/** CPU time (user + system, ms) of processes whose command name matches, from /proc. */
function cpuMs(match: (pid: number, comm: string) => boolean): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!match(pid, comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we read
    }
  }
  return ticks * 10;
}

await admin(`CREATE DATABASE "${dbName}"`);
if (process.env.BENCH_LOG_SQL) await admin(`ALTER DATABASE "${dbName}" SET log_statement = 'all'`);
Object.assign(process.env, { DATABASE_URL: dbUrl.toString(), REDIS_URL, AUTH_SECRET, LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
const { runStreamEvents } = await import("~/lib/run-stream");
const { isTerminal } = await import("~/lib/run-status");
const { createRun } = await import("~/server/runs/run-store");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");

await startDatabase();
await signUp({ name: "Bench", email: "bench@example.com", password: "benchmarking" });
const user = await db.user.findUniqueOrThrow({ where: { email: "bench@example.com" } });
const teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
const cookie = await sessionCookie(user, AUTH_SECRET);
const world: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/runs/outside-world.ts"], {
  env: { ...process.env, MODEL_MS: String(MODEL_MS) },
  stdio: ["ignore", "pipe", "inherit"],
});
const { openaiUrl, toolUrl } = await new Promise<{ openaiUrl: string; toolUrl: string }>(
  (resolve, reject) => {
    world.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString())));
    world.once("exit", (code) => reject(new Error(`the outside-world process exited (${code})`)));
  },
);
const sockets = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });
const socketUrl = sockets.url;

// The worker reaches Postgres through a relay that counts its statements.
const statementCounter = await startStatementCounter({
  host: dbUrl.hostname,
  port: Number(dbUrl.port || 5432),
});
const workerDbUrl = new URL(dbUrl);
workerDbUrl.port = String(statementCounter.port);
const maxConcurrency = Math.max(...concurrencies);
const worker: ChildProcess = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []),
    "--import",
    "tsx",
    "src/server/worker/main.ts",
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: workerDbUrl.toString(),
      RUN_QUEUE_NAME: QUEUE,
      WORKER_CONCURRENCY: String(maxConcurrency),
      // The scripted model server is the installation's endpoint; the tool server is on loopback,
      // which only OUTBOUND_ALLOW opens.
      OPENAI_API_KEY: "sk-bench",
      OPENAI_BASE_URL: openaiUrl,
      OUTBOUND_ALLOW: new URL(toolUrl).host,
      PYODIDE_POOL_SIZE: "0",
    },
    stdio: ["ignore", "inherit", "inherit"],
  },
);
const workerCpu = () => cpuMs((pid) => pid === worker.pid);
const postgresCpu = () => cpuMs((_pid, comm) => comm === "postgres");
const worldCpu = () => cpuMs((pid) => pid === world.pid);
const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE });

const spec = lookupClerkSpec(openaiUrl, toolUrl);

async function round(concurrency: number) {
  const ids: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    ids.push((await createRun(db, { teamId, spec: spec as never, task: `word ${i}` })).id);
  }
  const socket = connect(socketUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie },
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const latencies: number[] = [];
  const startLatencies: number[] = [];
  const stepLatencies: number[] = [];
  socket.on(runStreamEvents.events, (batch: RunEvent[]) => {
    const now = Date.now();
    for (const event of batch) {
      latencies.push(now - event.ts);
      // A run's first two events (run_started, the first step_started) come out of its start.
      (event.seq <= 1 ? startLatencies : stepLatencies).push(now - event.ts);
    }
  });
  // Completion comes from the run:status stream, not from polling the database, so the commit
  // count below holds only what the worker and the socket server did.
  const open = new Set(ids);
  const allDone = new Promise<void>((resolve) => {
    socket.on(runStreamEvents.status, (update: { runId: string; status: string }) => {
      if (isTerminal(update.status)) open.delete(update.runId);
      if (open.size === 0) resolve();
    });
  });
  for (const id of ids)
    await new Promise((resolve) =>
      socket.emit(runStreamEvents.subscribe, { runId: id, afterSeq: -1 }, resolve),
    );
  const statementsBefore = statementCounter.count();
  const cpuBefore = { worker: workerCpu(), postgres: postgresCpu(), world: worldCpu() };
  const started = Date.now();
  for (const id of ids) await queue.enqueue(id);
  await allDone;
  const wall = Date.now() - started;
  const cpu = {
    worker: workerCpu() - cpuBefore.worker,
    postgres: postgresCpu() - cpuBefore.postgres,
    world: worldCpu() - cpuBefore.world,
  };
  const statements = statementCounter.count() - statementsBefore;
  const runs = await db.run.findMany({
    where: { id: { in: ids } },
    select: { status: true, startedAt: true, finishedAt: true },
  });
  const steps = await db.runEvent.count({ where: { runId: { in: ids }, type: "step_finished" } });
  const events = await db.runEvent.count({ where: { runId: { in: ids } } });
  socket.close();
  const durations = runs.map((r) => (r.finishedAt?.getTime() ?? 0) - (r.startedAt?.getTime() ?? 0));
  return {
    concurrency,
    succeeded: runs.filter((r) => r.status === "succeeded").length,
    wallMs: wall,
    idealMs: 2 * MODEL_MS,
    runP50Ms: pct(durations, 50),
    runP95Ms: pct(durations, 95),
    eventLatencyP50Ms: pct(latencies, 50),
    eventLatencyP95Ms: pct(latencies, 95),
    startEventsP95Ms: pct(startLatencies, 95),
    laterEventsP95Ms: pct(stepLatencies, 95),
    events,
    steps,
    // Statements the worker sent to Postgres while the round ran (reads count too).
    dbStatementsPerStep: Number((statements / Math.max(steps, 1)).toFixed(2)),
    workerCpuMsPerStep: Number((cpu.worker / Math.max(steps, 1)).toFixed(2)),
    postgresCpuMsPerStep: Number((cpu.postgres / Math.max(steps, 1)).toFixed(2)),
    modelServerCpuMsPerStep: Number((cpu.world / Math.max(steps, 1)).toFixed(2)),
  };
}

try {
  await round(5); // warm-up: worker start, connections, JIT
  const results = [];
  for (const concurrency of concurrencies) results.push(await round(concurrency));
  console.table(results);
  console.log(JSON.stringify({ bench: "runs", modelMs: MODEL_MS, results }));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  worker.kill("SIGTERM");
  await new Promise((resolve) => worker.once("exit", resolve));
  await queue.close(100);
  sockets.close();
  await statementCounter.close();
  world.kill("SIGTERM");
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  process.exit();
}
