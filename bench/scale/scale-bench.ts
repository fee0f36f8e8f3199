/**
 * Scale-out bench: throughput of 1, 2 and 3 real worker processes (`src/server/worker/main.ts`) on a
 * thousand short runs, and the burst of runs started in the same instant. Real Postgres, Redis,
 * BullMQ and Socket.IO (the Redis adapter and cookie authentication in this process, as in the web
 * process); the scripted OpenAI-compatible model and the HTTP tool in a process of their own
 * (bench/runs/outside-world.ts). Each run is the two-step "lookup clerk" (model → HTTP tool → model →
 * final answer: 12 events).
 *
 *   npx tsx bench/scale/scale-bench.ts                      # 1 000 runs and a burst of 100, on 1, 2, 3 workers
 *   npx tsx bench/scale/scale-bench.ts --runs 300 --burst 100 --workers 1,3 --json bench/results/scale.tmp
 *
 * Throughput round: every run is queued at once; runs/s = runs / (last finish − first enqueue);
 * queue wait = the run's claim (`startedAt`) − its enqueue; event latency = arrival at a subscribed
 * Socket.IO client − the event's `ts` (stamped by the engine in the worker). Burst round: `--burst`
 * runs queued in the same instant with a 200 ms model, as bench/runs/runs-bench.ts does; its
 * figure is the p95 of every event's latency, and of the two events each run's start produces.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import type { RunEvent } from "~/agents/events";
import { lookupClerkSpec, sessionCookie, startRunSocketServer } from "../../tests/helpers/lookup-clerk";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    burst: { type: "string", default: "100" },
    workers: { type: "string", default: "1,2,3" },
    concurrency: { type: "string", default: "50" },
    "model-ms": { type: "string", default: "20" },
    json: { type: "string" },
    prof: { type: "boolean", default: false },
  },
});
const RUNS = Number(flags.runs);
const BURST = Number(flags.burst);
const WORKER_COUNTS = flags.workers!.split(",").map(Number).filter(Boolean);
const CONCURRENCY = Number(flags.concurrency);
const SHORT_MODEL_MS = Number(flags["model-ms"]);
const BURST_MODEL_MS = 200;

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const AUTH_SECRET = "scale-bench-secret-0123456789abcdef0123";
const dbName = `troupe_bench_scale_${randomBytes(4).toString("hex")}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;

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
const round1 = (value: number) => Math.round(value * 10) / 10;
/** CPU time (user + system, ms) of a process, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process (VmHWM), MiB, from /proc. */
function peakRssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

await admin(`CREATE DATABASE "${dbName}"`);
Object.assign(process.env, { DATABASE_URL: dbUrl.toString(), REDIS_URL, AUTH_SECRET, LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
const { runStreamEvents } = await import("~/lib/run-stream");
const { createRun } = await import("~/server/runs/run-store");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");

await startDatabase();
await signUp({ name: "Bench", email: "bench@example.com", password: "benchmarking" });
const user = await db.user.findUniqueOrThrow({ where: { email: "bench@example.com" } });
const teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
const cookie = await sessionCookie(user, AUTH_SECRET);
const sockets = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });

/** The model provider and the tool's server, in a process of their own. */
async function startOutsideWorld(modelMs: number) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/runs/outside-world.ts"], {
    env: { ...process.env, MODEL_MS: String(modelMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const urls = await new Promise<{ openaiUrl: string; toolUrl: string }>((resolve, reject) => {
    child.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString())));
    child.once("exit", (code) => reject(new Error(`the outside-world process exited (${code})`)));
  });
  return { ...urls, stop: () => child.kill("SIGTERM") };
}

/** `count` worker processes on one queue; resolves once each has logged that it started. */
async function startWorkers(
  count: number,
  concurrency: number,
  queueName: string,
  openaiUrl: string,
  toolUrl: string,
) {
  const workers: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(
      process.execPath,
      [
        ...(flags.prof ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof-scale"] : []),
        "--import",
        "tsx",
        "src/server/worker/main.ts",
      ],
      {
        env: {
          ...process.env,
          RUN_QUEUE_NAME: queueName,
          WORKER_CONCURRENCY: String(concurrency),
          OPENAI_API_KEY: "sk-bench",
          OPENAI_BASE_URL: openaiUrl,
          OUTBOUND_ALLOW: new URL(toolUrl).host,
          PYODIDE_POOL_SIZE: "0",
          // Each worker's health and metrics port, apart (BENCH_PORT_BASE, default 4320 and up).
          WORKER_HTTP_PORT: String(Number(process.env.BENCH_PORT_BASE ?? 4320) + i),
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("run worker started")) {
          child.stdout!.off("data", onData);
          child.stdout!.resume();
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`worker exited (${code}) before starting`)));
    });
    workers.push(child);
  }
  return {
    cpuMs: () => workers.reduce((sum, worker) => sum + cpuMs(worker.pid), 0),
    /** The largest peak resident memory (VmHWM) of the workers, MiB. */
    peakRssMiB: () => Math.max(...workers.map((worker) => peakRssMiB(worker.pid))),
    async stop() {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise((resolve) => {
              worker.once("exit", resolve);
              worker.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

async function subscribedSocket(ids: string[]): Promise<Socket> {
  const socket = connect(sockets.url, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie },
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  // Subscribes in parallel, a few at a time: each reads the run and its stored events.
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids
        .slice(i, i + 50)
        .map(
          (id) =>
            new Promise((resolve) =>
              socket.emit(runStreamEvents.subscribe, { runId: id, afterSeq: -1 }, resolve),
            ),
        ),
    );
  }
  return socket;
}

/** Queue `count` runs at once on `workerCount` fresh workers and measure them to the last one's end. */
async function round(options: {
  workerCount: number;
  count: number;
  modelMs: number;
  label: string;
  concurrency: number;
}) {
  const world = await startOutsideWorld(options.modelMs);
  const queueName = `bench-scale-${randomBytes(4).toString("hex")}`;
  const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: queueName });
  const workers = await startWorkers(
    options.workerCount,
    options.concurrency,
    queueName,
    world.openaiUrl,
    world.toolUrl,
  );
  const spec = lookupClerkSpec(world.openaiUrl, world.toolUrl);
  try {
    // Warm-up: connections, JIT, the first model client of each worker.
    await measure(5 * options.workerCount);
    return await measure(options.count);
  } finally {
    await workers.stop();
    await queue.close(100);
    world.stop();
  }

  async function measure(count: number) {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 100) {
      const created = await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) =>
          createRun(db, { teamId, spec: spec as never, task: `word ${i + j}` }),
        ),
      );
      ids.push(...created.map((run) => run.id));
    }
    const socket = await subscribedSocket(ids);
    const latencies: number[] = [];
    const startLatencies: number[] = [];
    const firstEventAt = new Map<string, number>();
    socket.on(runStreamEvents.events, (batch: RunEvent[]) => {
      const now = Date.now();
      for (const event of batch) {
        latencies.push(now - event.ts);
        if (event.seq <= 1) startLatencies.push(now - event.ts);
        if (!firstEventAt.has(event.runId)) firstEventAt.set(event.runId, now);
      }
    });
    const open = new Set(ids);
    const allDone = new Promise<void>((resolve) => {
      socket.on(runStreamEvents.status, (update: { runId: string; status: string }) => {
        if (!["queued", "running", "waiting_for_input"].includes(update.status)) open.delete(update.runId);
        if (open.size === 0) resolve();
      });
    });
    const cpuBefore = workers.cpuMs();
    const enqueuedAt = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      ids.map(async (id) => {
        enqueuedAt.set(id, Date.now());
        await queue.enqueue(id);
      }),
    );
    await allDone;
    const workerCpu = workers.cpuMs() - cpuBefore;
    socket.close();
    const runs = await db.run.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, startedAt: true, finishedAt: true },
    });
    const lastFinish = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const wallMs = lastFinish - started;
    const queueWaits = runs.map((r) => (r.startedAt?.getTime() ?? 0) - enqueuedAt.get(r.id)!);
    const firstEvents = ids.map((id) => (firstEventAt.get(id) ?? Number.NaN) - enqueuedAt.get(id)!);
    return {
      round: options.label,
      workers: options.workerCount,
      runs: count,
      succeeded: runs.filter((r) => r.status === "succeeded").length,
      wallMs,
      runsPerSecond: round1((count * 1000) / wallMs),
      queueWaitP50Ms: pct(queueWaits, 50),
      queueWaitP95Ms: pct(queueWaits, 95),
      eventLatencyP50Ms: pct(latencies, 50),
      eventLatencyP95Ms: pct(latencies, 95),
      startEventsP95Ms: pct(startLatencies, 95),
      // From enqueue to the run's first event at the browser: queue wait, claim, build, first flush.
      firstEventP95Ms: pct(firstEvents, 95),
      events: latencies.length,
      workerCpuMsPerRun: round1(workerCpu / count),
      workerPeakRssMiB: workers.peakRssMiB(),
    };
  }
}

const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const throughput = [];
const burst = [];
try {
  for (const workerCount of WORKER_COUNTS) {
    if (RUNS > 0)
      throughput.push(
        await round({
          workerCount,
          count: RUNS,
          modelMs: SHORT_MODEL_MS,
          label: "throughput",
          concurrency: CONCURRENCY,
        }),
      );
    // Every worker may take the whole burst, as in bench/runs (concurrency = the burst).
    if (BURST > 0)
      burst.push(
        await round({
          workerCount,
          count: BURST,
          modelMs: BURST_MODEL_MS,
          label: "burst",
          concurrency: BURST,
        }),
      );
  }
  const single = throughput.find((r) => r.workers === 1);
  const withRatio = throughput.map((r) => ({
    ...r,
    ratioToLinear: single ? Number((r.runsPerSecond / (single.runsPerSecond * r.workers)).toFixed(2)) : null,
  }));
  if (withRatio.length) console.table(withRatio);
  if (burst.length) console.table(burst);
  const result = {
    bench: "scale",
    loadAtStart: load,
    shortModelMs: SHORT_MODEL_MS,
    burstModelMs: BURST_MODEL_MS,
    concurrencyPerWorker: CONCURRENCY,
    throughput: withRatio,
    burst,
  };
  console.log(JSON.stringify(result));
  if (flags.json) writeFileSync(flags.json, JSON.stringify(result, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  sockets.close();
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  process.exit();
}
