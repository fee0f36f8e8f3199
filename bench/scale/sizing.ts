/**
 * The figures docs/sizing.md is derived from, measured rather than guessed:
 * - Postgres: rows and bytes (table, TOAST and indexes, after VACUUM) per run of two kinds — the
 *   short two-step "lookup clerk" of the other benches, and the same run whose model writes a
 *   1,000-character thought before each tool call (streamed in 8-character pieces, as a provider
 *   streams tokens: each piece is a `model_delta` event);
 * - Redis: bytes per queued run (a BullMQ job waiting) and per finished job BullMQ keeps
 *   (`removeOnComplete: 1000`), summed with MEMORY USAGE over the queue's keys;
 * - Pyodide: resident (RSS) and proportional (PSS: shared pages divided among their users) memory of
 *   a booted, waiting sandbox process, and the memory of the host process.
 * Runs go through the worker's own processor (`createRunProcessor`, `createAgentDeps`) on real
 * Postgres; the model and tool servers are another process.
 *
 *   npx tsx bench/scale/sizing.ts [--runs 200] [--jobs 1000] [--json file]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { lookupClerkSpec } from "../../tests/helpers/lookup-clerk";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    jobs: { type: "string", default: "1000" },
    json: { type: "string" },
  },
});
const RUNS = Number(flags.runs);
const JOBS = Number(flags.jobs);
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const dbName = `troupe_bench_sizing_${randomBytes(4).toString("hex")}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;

async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const result = await client.query(text);
  await client.end();
  return result.rows as T[];
}

/**
 * The scripted model and tool servers. A task holding "[thoughts]" gets 1,000 characters of
 * streamed thought before each tool call.
 */
async function startOutsideWorld() {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--eval",
      `
      const { startLookupToolServer } = await import("./tests/helpers/lookup-clerk.ts");
      const { startOpenAIServer } = await import("./tests/helpers/openai-server.ts");
      const openai = await startOpenAIServer();
      const thoughts = "I will look the word up, then answer with its definition. ".repeat(40).slice(0, 1000);
      openai.fallback = (request) => {
        const messages = request.body.messages;
        const content = JSON.stringify(messages).includes("[thoughts]") ? thoughts : undefined;
        return messages.some((m) => m.role === "assistant")
          ? { content, toolCalls: [{ name: "final_answer", arguments: { answer: "definition of troupe" } }] }
          : { content, toolCalls: [{ name: "lookup", arguments: { q: "troupe" } }] };
      };
      const tool = await startLookupToolServer();
      console.log(JSON.stringify({ openaiUrl: openai.url, toolUrl: tool.url }));
      `,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const urls = await new Promise<{ openaiUrl: string; toolUrl: string }>((resolve, reject) => {
    child.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString())));
    child.once("exit", (code) => reject(new Error(`the model server exited (${code})`)));
  });
  return { ...urls, stop: () => child.kill("SIGTERM") };
}

/** Memory of a process from /proc, MiB: resident (VmRSS) and proportional (Pss). */
function memoryMiB(pid: number): { rss: number; pss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (text: string, key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rss: Math.round(kb(status, "VmRSS") / 1024), pss: Math.round(kb(rollup, "Pss") / 1024) };
}

/** Child processes of this process whose command line names the Pyodide sandbox entry. */
function sandboxPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("pyodide-process")) pids.push(pid);
    } catch {
      // gone while we read
    }
  }
  return pids;
}

await sql(ADMIN_URL, `CREATE DATABASE "${dbName}"`);
const world = await startOutsideWorld();
Object.assign(process.env, {
  DATABASE_URL: dbUrl.toString(),
  AUTH_SECRET: "sizing-bench-secret-0123456789abcdef0123",
  LOG_LEVEL: "warn",
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: world.openaiUrl,
  OUTBOUND_ALLOW: new URL(world.toolUrl).host,
  PYODIDE_POOL_SIZE: "2",
  REDIS_URL: "",
});
const { db, startDatabase } = await import("~/server/db");
const { logger } = await import("~/server/logger");
const { createRun } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { createAgentDeps } = await import("~/server/runs/agent-deps");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");
const { Redis } = await import("ioredis");

const database = await startDatabase();
const team = await db.team.create({
  data: { name: "Sizing", slug: `sizing-${randomBytes(4).toString("hex")}` },
});
const agent = createAgentDeps(db);

/** Table + TOAST + index bytes of the run tables, after VACUUM so dead tuples do not count. */
async function runTableBytes(): Promise<{ run: number; runEvent: number }> {
  await sql(dbUrl.toString(), `VACUUM ANALYZE "Run", "RunEvent"`);
  const [row] = await sql<{ run: string; run_event: string }>(
    dbUrl.toString(),
    `SELECT pg_total_relation_size('"Run"') AS run, pg_total_relation_size('"RunEvent"') AS run_event`,
  );
  return { run: Number(row!.run), runEvent: Number(row!.run_event) };
}

async function postgresPerRun(kind: string, thoughts: boolean) {
  const processor = createRunProcessor({
    db,
    publisher: new NullPublisher(),
    control: new InProcessRunControl(),
    agentDeps: agent.depsFor,
    logger,
  });
  const spec = lookupClerkSpec(world.openaiUrl, world.toolUrl);
  const before = await runTableBytes();
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++)
    ids.push(
      (
        await createRun(db, {
          teamId: team.id,
          spec: spec as never,
          task: `word ${i}${thoughts ? " [thoughts]" : ""}`,
        })
      ).id,
    );
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map((id) => processor({ runId: id, attempt: 1 }, new AbortController().signal)),
    );
  }
  const after = await runTableBytes();
  const succeeded = await db.run.count({ where: { id: { in: ids }, status: "succeeded" } });
  const events = await db.runEvent.count({ where: { runId: { in: ids } } });
  const deltas = await db.runEvent.count({ where: { runId: { in: ids }, type: "model_delta" } });
  return {
    kind,
    runs: RUNS,
    succeeded,
    eventsPerRun: Math.round(events / RUNS),
    modelDeltaEventsPerRun: Math.round(deltas / RUNS),
    runRowBytes: Math.round((after.run - before.run) / RUNS),
    eventBytesPerRun: Math.round((after.runEvent - before.runEvent) / RUNS),
    bytesPerEvent: Math.round((after.runEvent - before.runEvent) / Math.max(1, events)),
    totalKiBPerRun:
      Math.round((after.run - before.run + after.runEvent - before.runEvent) / RUNS / 102.4) / 10,
  };
}

/** Bytes of a queue's keys in Redis (MEMORY USAGE, summed). */
async function queueBytes(redis: InstanceType<typeof Redis>, queueName: string): Promise<number> {
  let total = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `bull:${queueName}:*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) total += (await redis.memory("USAGE", key)) ?? 0;
  } while (cursor !== "0");
  return total;
}

async function redisPerJob() {
  const name = `bench-sizing-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(REDIS_URL);
  const queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name });
  const ids = Array.from({ length: JOBS }, () => `c${randomBytes(12).toString("hex")}`);
  for (let i = 0; i < ids.length; i += 100)
    await Promise.all(ids.slice(i, i + 100).map((id) => queue.enqueue(id)));
  const queued = await queueBytes(redis, name);
  let done = 0;
  const allDone = new Promise<void>((resolve) => {
    queue.work(
      async () => {
        done += 1;
        if (done === JOBS) setTimeout(resolve, 500);
      },
      { concurrency: 50 },
    );
  });
  await allDone;
  const finished = await queueBytes(redis, name);
  await queue.close(100);
  // The queue's keys go with the bench.
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `bull:${name}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
  return {
    jobs: JOBS,
    bytesPerQueuedRun: Math.round(queued / JOBS),
    // BullMQ keeps the last 1,000 completed jobs (and 5,000 failed ones) per queue.
    bytesPerKeptFinishedJob: Math.round(finished / Math.min(JOBS, 1000)),
  };
}

async function pyodideMemory() {
  const started = performance.now();
  await agent.pool?.warm();
  const bootMs = Math.round(performance.now() - started);
  // Let the boot's transient pages settle.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const sandboxes = sandboxPids().map(memoryMiB);
  return {
    warmSandboxes: sandboxes.length,
    poolWarmAfterMs: bootMs,
    sandboxRssMiB: sandboxes.map((m) => m.rss),
    sandboxPssMiB: sandboxes.map((m) => m.pss),
    hostProcess: memoryMiB(process.pid),
  };
}

try {
  const loadAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const pyodide = await pyodideMemory();
  const postgres = [
    await postgresPerRun("lookup clerk (2 steps)", false),
    await postgresPerRun("with 1,000-char streamed thoughts", true),
  ];
  const redis = await redisPerJob();
  const result = { bench: "sizing", loadAtStart, postgres, redis, pyodide };
  console.table(postgres);
  console.table([redis]);
  console.log(pyodide);
  console.log(JSON.stringify(result));
  if (flags.json) writeFileSync(flags.json, JSON.stringify(result, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await agent.close();
  world.stop();
  await db.$disconnect();
  await database.stop();
  await sql(ADMIN_URL, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  process.exit();
}
