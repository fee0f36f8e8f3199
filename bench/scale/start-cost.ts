/**
 * What a run's start costs the worker: CPU and wall time from a job's delivery to its first two
 * events (`run_started`, the first `step_started`) being stored and published — the claim, the
 * spec's checks, the agent build with its model client and secrets, the first events through the
 * group commit. In this process: the worker's own processor (`createRunProcessor` with the
 * worker's agent deps) over real Postgres; the model server, in another process, never answers
 * within the bench, so nothing after the start is measured. Each run is the two-step "lookup
 * clerk" of the runs bench.
 *
 *   npx tsx bench/scale/start-cost.ts [--sequential 50] [--together 100] [--json file]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof-start --import tsx bench/scale/start-cost.ts   # where it goes
 *
 * Sequential: one start at a time (the cost of one start, no contention). Together: N starts
 * delivered in the same instant (as BullMQ hands a burst to a worker); the time until the last
 * run's first events are published is what the burst of the runs bench waits behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { RunEvent } from "~/agents/events";
import { lookupClerkSpec } from "../../tests/helpers/lookup-clerk";
import { createTestDatabase } from "../../tests/integration/api/test-database";
import { startStatementCounter } from "../runs/statement-counter";

const { values: flags } = parseArgs({
  options: {
    sequential: { type: "string", default: "50" },
    together: { type: "string", default: "100" },
    json: { type: "string" },
  },
});
const SEQUENTIAL = Number(flags.sequential);
const TOGETHER = Number(flags.together);

// The model never answers during the bench: the runs are stopped once their first events are out.
const world: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/runs/outside-world.ts"], {
  env: { ...process.env, MODEL_MS: "600000" },
  stdio: ["ignore", "pipe", "inherit"],
});
const { openaiUrl, toolUrl } = await new Promise<{ openaiUrl: string; toolUrl: string }>(
  (resolve, reject) => {
    world.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString())));
    world.once("exit", (code) => reject(new Error(`the outside-world process exited (${code})`)));
  },
);

const scratch = await createTestDatabase("bench_start");
const dbUrl = new URL(scratch.url);
// Every statement the processor sends goes through a relay that counts them.
const statementCounter = await startStatementCounter({
  host: dbUrl.hostname,
  port: Number(dbUrl.port || 5432),
});
const countedUrl = new URL(dbUrl);
countedUrl.port = String(statementCounter.port);
Object.assign(process.env, {
  DATABASE_URL: countedUrl.toString(),
  AUTH_SECRET: "start-cost-bench-secret-0123456789abcdef",
  LOG_LEVEL: "warn",
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: openaiUrl,
  OUTBOUND_ALLOW: new URL(toolUrl).host,
  PYODIDE_POOL_SIZE: "0",
});
const { db, startDatabase, createDatabaseClient } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { logger } = await import("~/server/logger");
const { createRun } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { createAgentDeps, withInstallationDefaults } = await import("~/server/runs/agent-deps");
const { InProcessRunControl } = await import("~/server/runs/run-control");

const database = await startDatabase();
await signUp({ name: "Bench", email: "bench@example.com", password: "benchmarking" });
const user = await db.user.findUniqueOrThrow({ where: { email: "bench@example.com" } });
const teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
const spec = lookupClerkSpec(openaiUrl, toolUrl);

/** Resolves each run's wait once its first step_started event has been published. */
const waiting = new Map<string, () => void>();
const publisher = {
  publishEvents(runId: string, events: RunEvent[]) {
    if (events.some((event) => event.type === "step_started")) waiting.get(runId)?.();
  },
  publishStatus() {},
  async close() {},
};
const agent = createAgentDeps(db);
// As start-worker.ts wires it: run events through a connection of their own (BENCH_SHARED_EVENTS=1: the pool).
const eventDb = process.env.BENCH_SHARED_EVENTS
  ? undefined
  : createDatabaseClient(countedUrl.toString(), { maxConnections: 1 });
const processor = createRunProcessor({
  db,
  ...(eventDb ? { eventDb } : {}),
  publisher,
  control: new InProcessRunControl(),
  agentDeps: agent.depsFor,
  prepareSpec: (stored) => withInstallationDefaults(stored),
  logger,
});

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Deliver `count` runs in the same instant; measure until every one has published its first step. */
async function startTogether(count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await createRun(db, { teamId, spec: spec as never, task: `word ${i}` })).id);
  const shutdown = new AbortController();
  const firstEventsMs: number[] = [];
  const statementsBefore = statementCounter.count();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const allStarted = Promise.all(
    ids.map(
      (id) =>
        new Promise<void>((resolve) =>
          waiting.set(id, () => {
            firstEventsMs.push(performance.now() - started);
            resolve();
          }),
        ),
    ),
  );
  const processing = ids.map((id) => processor({ runId: id, attempt: 1 }, shutdown.signal));
  await allStarted;
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const statements = statementCounter.count() - statementsBefore;
  shutdown.abort();
  await Promise.all(processing);
  for (const id of ids) waiting.delete(id);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, firstEventsMs, statements };
}

try {
  await startTogether(5); // warm-up: connections, JIT, lazy modules
  const sequential: number[] = [];
  const sequentialWall: number[] = [];
  let sequentialStatements = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const one = await startTogether(1);
    sequential.push(one.cpuMs);
    sequentialWall.push(one.wallMs);
    sequentialStatements += one.statements;
  }
  const together = TOGETHER > 0 ? await startTogether(TOGETHER) : undefined;
  const result = {
    bench: "start-cost",
    loadAtStart: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    sequential: {
      runs: SEQUENTIAL,
      cpuMsPerStartP50: round2(pct(sequential, 50)),
      cpuMsPerStartMean: round2(sequential.reduce((a, b) => a + b, 0) / Math.max(1, sequential.length)),
      wallMsP50: round2(pct(sequentialWall, 50)),
      // Statements sent to Postgres from delivery until the first events were handed on.
      statementsPerStart: round2(sequentialStatements / Math.max(1, SEQUENTIAL)),
    },
    together: together && {
      runs: TOGETHER,
      cpuMsPerStart: round2(together.cpuMs / TOGETHER),
      allStartedMs: Math.round(together.wallMs),
      firstEventsP50Ms: Math.round(pct(together.firstEventsMs, 50)),
      firstEventsP95Ms: Math.round(pct(together.firstEventsMs, 95)),
      statementsPerStart: round2(together.statements / TOGETHER),
    },
  };
  console.table({ sequential: result.sequential, ...(result.together ? { together: result.together } : {}) });
  console.log(JSON.stringify(result));
  if (flags.json) writeFileSync(flags.json, JSON.stringify(result, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await agent.close();
  await eventDb?.$disconnect();
  world.kill("SIGTERM");
  await db.$disconnect();
  await database.stop();
  await statementCounter.close();
  await scratch.drop();
  process.exit();
}
