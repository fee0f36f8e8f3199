/**
 * Cold start: how long a code agent's run waits for its Pyodide sandbox, from a warm pool and from
 * a cold process. Each case runs in a fresh Node process (the Pyodide snapshot and the pool are
 * per process) with the worker's own processor and agent deps (`createRunProcessor`,
 * `createAgentDeps`) over real Postgres; the model is a replay model with no latency, so what is
 * measured is the worker and the sandbox. The run is two steps: `print(1 + 1)`, then `final_answer`.
 *
 *   npx tsx bench/scale/cold-start.ts [--runs 5] [--json file]
 *
 * Cases:
 * - cold process: PYODIDE_POOL_SIZE=0, the first run after the process started (the Pyodide
 *   snapshot is made, then a sandbox boots from it, while the run waits);
 * - pool not yet warm: PYODIDE_POOL_SIZE=2, the run delivered the moment the worker started (what a
 *   worker that takes runs before its pool is warm does);
 * - warm pool: PYODIDE_POOL_SIZE=2, runs delivered once the pool is warm (`pool.warm()`), one after
 *   another, each waiting for the pool to be warm again.
 * Figures per run, from delivery: `run_started` and the first `step_started` stored and handed on
 * (the sandbox is taken before the first step), the first observation (Python ran).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { RunEvent } from "~/agents/events";
import { createTestDatabase } from "../../tests/integration/api/test-database";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    json: { type: "string" },
    // Internal: the case a child process measures, and its database.
    case: { type: "string" },
    database: { type: "string" },
  },
});
const RUNS = Number(flags.runs);

type CaseName = "cold-process" | "pool-not-warm" | "warm-pool";
interface Timing {
  runStartedMs: number;
  firstStepMs: number;
  firstObservationMs: number;
  status: string;
}

/** One case, in this (fresh) process: prints its timings as one JSON line. */
async function measureCase(name: CaseName, databaseUrl: string): Promise<void> {
  const processStarted = performance.now();
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: "cold-start-bench-secret-0123456789abcdef",
    LOG_LEVEL: "warn",
    PYODIDE_POOL_SIZE: name === "cold-process" ? "0" : "2",
    REDIS_URL: "",
  });
  const { db, startDatabase } = await import("~/server/db");
  const { logger } = await import("~/server/logger");
  const { createRun } = await import("~/server/runs/run-store");
  const { createRunProcessor } = await import("~/server/runs/process-run");
  const { createAgentDeps, withInstallationDefaults } = await import("~/server/runs/agent-deps");
  const { InProcessRunControl } = await import("~/server/runs/run-control");
  const database = await startDatabase();
  const team = await db.team.create({
    data: { name: "Bench", slug: `bench-${randomBytes(4).toString("hex")}` },
  });
  const code = (source: string) => `Thought: go.\n<code>\n${source}\n</code>`;
  const spec = {
    type: "code",
    name: "coder",
    description: "",
    model: { provider: "replay", transcript: [code("print(1 + 1)"), code('final_answer("done")')] },
    tools: [],
    executor: { kind: "pyodide" },
    maxSteps: 3,
  };

  let delivered = 0;
  let timing: Partial<Timing> = {};
  const publisher = {
    publishEvents(_runId: string, events: RunEvent[]) {
      const at = performance.now() - delivered;
      for (const event of events) {
        if (event.type === "run_started") timing.runStartedMs ??= at;
        if (event.type === "step_started") timing.firstStepMs ??= at;
        if (event.type === "observation") timing.firstObservationMs ??= at;
      }
    },
    publishStatus() {},
    async close() {},
  };
  // Created at once, as start-worker.ts does: a pool starts booting here.
  const agent = createAgentDeps(db);
  const processor = createRunProcessor({
    db,
    publisher,
    control: new InProcessRunControl(),
    agentDeps: agent.depsFor,
    prepareSpec: (stored) => withInstallationDefaults(stored),
    logger,
  });
  const runs: (Timing & { poolWarmMs?: number })[] = [];
  const count = name === "warm-pool" ? RUNS : 1;
  for (let i = 0; i < count; i++) {
    const { id } = await createRun(db, { teamId: team.id, spec: spec as never, task: "Print 1 + 1." });
    let poolWarmMs: number | undefined;
    if (name === "warm-pool") {
      await agent.pool?.warm();
      poolWarmMs = performance.now() - processStarted;
    }
    timing = {};
    delivered = performance.now();
    await processor({ runId: id, attempt: 1 }, new AbortController().signal);
    const run = await db.run.findUniqueOrThrow({ where: { id }, select: { status: true } });
    const measured = { ...(timing as Timing), status: run.status };
    runs.push(poolWarmMs === undefined || i > 0 ? measured : { ...measured, poolWarmMs });
  }
  await agent.close();
  await db.$disconnect();
  await database.stop();
  console.log(JSON.stringify({ case: name, runs }));
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => Math.round(value * 10) / 10;

/** Run one case in a fresh process and read its JSON line. */
function runCase(
  name: CaseName,
  databaseUrl: string,
): Promise<{ case: CaseName; runs: (Timing & { poolWarmMs?: number })[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/scale/cold-start.ts",
        `--case=${name}`,
        `--database=${databaseUrl}`,
        `--runs=${RUNS}`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code !== 0 || !line) reject(new Error(`case ${name} exited (${code}): ${out.slice(-500)}`));
      else resolve(JSON.parse(line));
    });
  });
}

if (flags.case) {
  await measureCase(flags.case as CaseName, flags.database!);
  process.exit(0);
}

const database = await createTestDatabase("bench_cold");
const dbUrl = new URL(database.url);
try {
  const loadAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const rows = [];
  for (const name of ["cold-process", "pool-not-warm", "warm-pool"] as const) {
    const result = await runCase(name, dbUrl.toString());
    const of = (key: keyof Timing) => result.runs.map((run) => run[key] as number);
    rows.push({
      case: name,
      runs: result.runs.length,
      succeeded: result.runs.filter((run) => run.status === "succeeded").length,
      runStartedP50Ms: ms(pct(of("runStartedMs"), 50)),
      firstStepP50Ms: ms(pct(of("firstStepMs"), 50)),
      firstStepMaxMs: ms(Math.max(...of("firstStepMs"))),
      firstObservationP50Ms: ms(pct(of("firstObservationMs"), 50)),
      // From the process's start until its pool was first warm (two sandboxes booted).
      poolWarmAfterStartMs: result.runs[0]?.poolWarmMs === undefined ? null : ms(result.runs[0].poolWarmMs),
    });
  }
  console.table(rows);
  const result = { bench: "cold-start", loadAtStart, cases: rows };
  console.log(JSON.stringify(result));
  if (flags.json) writeFileSync(flags.json, JSON.stringify(result, null, 2));
} finally {
  await database.drop();
}
