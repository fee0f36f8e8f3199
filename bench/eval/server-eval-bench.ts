/**
 * The server's evaluation path: 100 replay cases evaluated on one worker, and what evaluating adds
 * per case beyond the runs themselves. One worker in this process (startWorker with the embedded
 * in-process queue, or BullMQ on Redis with `--bullmq`), real Postgres in a scratch database, the
 * grocer workflow of tests/fixtures/eval (a code agent with a Python tool, run in warm Pyodide
 * sandboxes as in production: every run takes a booted sandbox and the pool boots a new one).
 *
 * Each round times, on the same 100 tasks with the same recordings replayed:
 *   (a) baseline: the tasks started as plain runs through startWorkflowRun, wall time from the first
 *       start until the last run's Run.finishedAt;
 *   (b) evaluation: the 100 cases (recording + exact, contains, regex, JSON Schema checks) started
 *       through the tRPC `evaluation.startEval` with concurrency 4, wall time until EvalRun.finishedAt.
 * The worker runs 4 runs at a time in both, the team's run limits are raised out of the way.
 * Reported: medians over `--rounds` after a warm-up round, overhead per case (b − a) / cases, the
 * ratio b / a, scoring latency (a case run's Run.finishedAt → its EvalCase.finishedAt, p50/p95) and
 * the statements this process sent to Postgres per case (counted by a relay; the bench's own
 * polling goes around it).
 *
 *   npx tsx bench/eval/server-eval-bench.ts [--rounds 3] [--cases 100] [--concurrency 4]
 *     [--pool 4] [--warmup-cases 10] [--bullmq] [--out bench/eval/server-results.json]
 *
 * `--bullmq` puts the runs on BullMQ (REDIS_URL or redis://127.0.0.1:6379) under a queue name of its own.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import pg from "pg";
import { caseRecordingSchema, type TestCaseInput } from "~/eval/test-set";
import { parseWorkflowFile } from "~/graph/import";
import { createTestDatabase } from "../../tests/integration/api/test-database";
import { startStatementCounter } from "../runs/statement-counter";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    cases: { type: "string", default: "100" },
    concurrency: { type: "string", default: "4" },
    pool: { type: "string", default: "4" },
    "warmup-cases": { type: "string", default: "10" },
    bullmq: { type: "boolean", default: false },
    out: { type: "string", default: "bench/eval/server-results.json" },
  },
});
const ROUNDS = Number(flags.rounds);
const CASES = Number(flags.cases);
const CONCURRENCY = Number(flags.concurrency);
const POOL = Number(flags.pool);
const WARMUP_CASES = Number(flags["warmup-cases"]);
const RESULTS = flags.out;
const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const loadAtStart = loadAverage();

const scratch = await createTestDatabase("bench_eval");
/** What to undo at the end, last first: the scratch database goes last, also on failure. */
const cleanups: (() => Promise<unknown>)[] = [() => scratch.drop()];

async function main() {
  const scratchUrl = new URL(scratch.url);
  // Every statement the server code sends goes through a relay that counts them.
  const statementCounter = await startStatementCounter({
    host: scratchUrl.hostname,
    port: Number(scratchUrl.port || 5432),
  });
  cleanups.push(() => statementCounter.close());
  const countedUrl = new URL(scratchUrl);
  countedUrl.port = String(statementCounter.port);
  const queueName = `bench-eval-${randomBytes(4).toString("hex")}`;
  Object.assign(process.env, {
    DATABASE_URL: countedUrl.toString(),
    REDIS_URL: flags.bullmq ? process.env.REDIS_URL || "redis://127.0.0.1:6379" : "",
    RUN_QUEUE_NAME: queueName,
    SECRETS_KEY: "ef".repeat(32),
    AUTH_SECRET: "eval-server-bench-secret-0123456789abcdef",
    LOG_LEVEL: "warn",
    PYODIDE_POOL_SIZE: String(POOL),
    TEAM_MAX_CONCURRENT_RUNS: "10000",
    TEAM_MAX_RUNS_PER_HOUR: "1000000",
  });
  const { db, startDatabase } = await import("~/server/db");
  const { createCaller } = await import("~/server/api/root");
  const { signUp } = await import("~/server/auth/sign-up");
  const { getRunServices, closeRunServices } = await import("~/server/runs/run-services");
  const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
  const { startWorker } = await import("~/server/worker/start-worker");
  const { startWorkflowRun } = await import("~/server/runs/start-run");
  const { storedRunInput } = await import("~/server/runs/run-input");
  const { logger } = await import("~/server/logger");

  /** The bench's own reads (polling, figures), around the statement counter. */
  const reader = new pg.Client({ connectionString: scratch.url });
  await reader.connect();
  cleanups.push(() => reader.end());

  const round1 = (value: number) => Math.round(value * 10) / 10;
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  };
  /** The middle value; the mean of the two middle ones for an even count. */
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Number.isInteger(middle)
      ? round1(((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2)
      : (sorted[Math.floor(middle)] ?? Number.NaN);
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Case n: what n apples cost, its recorded model answers, four cheap checks. */
  function benchCase(n: number): TestCaseInput {
    return {
      id: `apples-${n}`,
      task: `What do ${n} apples cost?`,
      recording: {
        model: "gpt-4o-mini",
        transcript: [
          'Thought: look up the apple price\n<code>\nprice = unit_price("apple")\nprint(price)\n</code>',
          `Thought: ${n} of them\n<code>\nfinal_answer(f"${n} apples cost {${n} * price:.2f} dollars")\n</code>`,
        ],
      },
      checks: [
        { kind: "exact", expected: `${n} apples cost ${(n * 0.5).toFixed(2)} dollars` },
        { kind: "contains", expected: "APPLES COST" },
        { kind: "regex", pattern: "^\\d+ apples cost \\d+\\.\\d{2} dollars$" },
        { kind: "jsonSchema", schema: { type: "string", minLength: 10 } },
      ],
    };
  }

  /** Wall time of the runs (first start → last Run.finishedAt), per-run durations, their outcomes. */
  async function runFigures(ids: string[], startedAt: number) {
    const { rows } = await reader.query<{ status: string; startedAt: Date | null; finishedAt: Date }>(
      `SELECT "status"::text AS "status", "startedAt", "finishedAt" FROM "Run" WHERE "id" = ANY($1)`,
      [ids],
    );
    const lastEnd = Math.max(...rows.map((row) => row.finishedAt.getTime()));
    return {
      wallMs: lastEnd - startedAt,
      succeeded: rows.filter((row) => row.status === "succeeded").length,
      runP50Ms: median(rows.map((row) => row.finishedAt.getTime() - (row.startedAt?.getTime() ?? 0))),
    };
  }

  /** Resolves once every one of these runs has ended. */
  async function allEnded(ids: string[]) {
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const { rows } = await reader.query<{ open: number }>(
        `SELECT count(*)::int AS "open" FROM "Run" WHERE "id" = ANY($1) AND "finishedAt" IS NULL`,
        [ids],
      );
      if (rows[0]?.open === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0]?.open} runs still open after 30 minutes`);
      await sleep(100);
    }
  }

  await startDatabase();
  cleanups.push(() => db.$disconnect());
  const signedUp = await signUp({ name: "Bench", email: "bench@example.com", password: "benchmarking" });
  if (!signedUp.ok) throw new Error(JSON.stringify(signedUp.issues));
  const { userId, teamId } = signedUp;
  const caller = createCaller({
    db,
    session: {
      user: { id: userId, name: "Bench", email: "bench@example.com" },
      expires: new Date(Date.now() + 24 * 3_600_000).toISOString(),
    },
    headers: new Headers(),
  });
  const team = await db.team.findUniqueOrThrow({ where: { id: teamId }, select: { id: true, slug: true } });
  if (flags.bullmq) {
    // Runs after the worker has stopped: the bench's own queue leaves no keys in Redis.
    cleanups.push(async () => {
      const queue = new Queue(queueName, { connection: { url: process.env.REDIS_URL } });
      await queue.obliterate({ force: true });
      await queue.close();
    });
  }
  const worker = startWorker({
    db,
    services: getRunServices(),
    publisher: new NullPublisher(),
    logger,
    concurrency: CONCURRENCY,
  });
  cleanups.push(async () => {
    await worker.stop(2_000);
    await closeRunServices();
  });

  const imported = parseWorkflowFile(readFileSync("tests/fixtures/eval/grocer-workflow.json", "utf8"));
  if (!imported.ok) throw new Error(imported.message);
  const workflow = await caller.workflow.create({ teamId, name: "Grocer" });
  const { revision } = await caller.workflow.saveGraph({
    workflowId: workflow.id,
    revision: 0,
    graph: imported.document,
  });
  const versionId = (await caller.workflow.saveVersion({ workflowId: workflow.id, revision, message: "" }))
    .id;

  /** A test set of cases 1…count, imported as one file. */
  async function setOf(name: string, count: number) {
    const { id } = await caller.evaluation.createSet({ teamId, name });
    const cases = Array.from({ length: count }, (_, i) => benchCase(i + 1));
    await caller.evaluation.importCases({
      testSetId: id,
      fileName: "bench.json",
      content: JSON.stringify({ format: "troupe.test-set", version: 1, name, cases }),
      mode: "append",
    });
    return { id, cases };
  }

  /** (a) the cases' tasks as plain runs, their recordings replayed. */
  async function baseline(cases: TestCaseInput[]) {
    const statementsBefore = statementCounter.count();
    const startedAt = Date.now();
    const ids: string[] = [];
    for (const testCase of cases) {
      const { runId } = await startWorkflowRun(db, {
        team,
        workflowId: workflow.id,
        versionId,
        task: testCase.task,
        createdById: userId,
        input: storedRunInput({ task: testCase.task }),
        replay: caseRecordingSchema.parse(testCase.recording),
      });
      ids.push(runId);
    }
    await allEnded(ids);
    const statements = statementCounter.count() - statementsBefore;
    return { ...(await runFigures(ids, startedAt)), statementsPerCase: round1(statements / cases.length) };
  }

  /** (b) the set evaluated through tRPC. */
  async function evaluation(testSetId: string, count: number) {
    const statementsBefore = statementCounter.count();
    const startedAt = Date.now();
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: workflow.id,
      versionIds: [versionId],
      concurrency: CONCURRENCY,
    });
    const evalRunId = evalRunIds[0]!;
    const deadline = Date.now() + 30 * 60_000;
    let finishedAt: Date | null = null;
    for (;;) {
      const { rows } = await reader.query<{ status: string; finishedAt: Date | null }>(
        `SELECT "status"::text AS "status", "finishedAt" FROM "EvalRun" WHERE "id" = $1`,
        [evalRunId],
      );
      const row = rows[0]!;
      if (row.status !== "queued" && row.status !== "running") {
        if (row.status !== "finished") throw new Error(`the evaluation ended ${row.status}`);
        finishedAt = row.finishedAt;
        break;
      }
      if (Date.now() > deadline) throw new Error("the evaluation is still running after 30 minutes");
      await sleep(100);
    }
    const statements = statementCounter.count() - statementsBefore;
    const { rows: cases } = await reader.query<{
      passed: boolean | null;
      runId: string;
      runEnded: Date;
      caseEnded: Date;
    }>(
      `SELECT c."passed", c."runId", r."finishedAt" AS "runEnded", c."finishedAt" AS "caseEnded"
     FROM "EvalCase" c JOIN "Run" r ON r."id" = c."runId" WHERE c."evalRunId" = $1`,
      [evalRunId],
    );
    if (cases.length !== count) throw new Error(`${cases.length} of ${count} cases ran`);
    const scoring = cases.map((row) => row.caseEnded.getTime() - row.runEnded.getTime());
    const runs = await runFigures(
      cases.map((row) => row.runId),
      startedAt,
    );
    return {
      wallMs: finishedAt!.getTime() - startedAt,
      runsWallMs: runs.wallMs,
      succeeded: runs.succeeded,
      runP50Ms: runs.runP50Ms,
      passed: cases.filter((row) => row.passed).length,
      scoringP50Ms: pct(scoring, 50),
      scoringP95Ms: pct(scoring, 95),
      statementsPerCase: round1(statements / count),
    };
  }

  const poolStarted = Date.now();
  await worker.pool?.warm();
  const poolBootMs = Date.now() - poolStarted;
  const warmupSet = await setOf("Warm-up", WARMUP_CASES);
  const benchSet = await setOf("Bench", CASES);
  console.log(
    `pool of ${POOL} Pyodide sandboxes warm in ${poolBootMs} ms; warm-up round of ${WARMUP_CASES} cases (load ${loadAverage()})`,
  );
  await baseline(warmupSet.cases);
  await evaluation(warmupSet.id, WARMUP_CASES);

  const rounds: {
    baseline: Awaited<ReturnType<typeof baseline>>;
    evaluation: Awaited<ReturnType<typeof evaluation>>;
  }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await baseline(benchSet.cases);
    const b = await evaluation(benchSet.id, CASES);
    rounds.push({ baseline: a, evaluation: b });
    console.log(
      `round ${round} (load ${loadAverage()}): baseline ${a.wallMs} ms (${a.succeeded} succeeded), evaluation ${b.wallMs} ms (${b.passed} passed), scoring p50 ${b.scoringP50Ms} / p95 ${b.scoringP95Ms} ms`,
    );
  }
  const baselineMs = median(rounds.map((r) => r.baseline.wallMs));
  const evaluationMs = median(rounds.map((r) => r.evaluation.wallMs));
  const result = {
    bench: "eval-server",
    date: new Date().toISOString(),
    queue: flags.bullmq ? "bullmq" : "in-process",
    sandbox: `pyodide, pool of ${POOL}`,
    loadAtStart,
    loadAtEnd: loadAverage(),
    cases: CASES,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    poolBootMs,
    baselineMs,
    evaluationMs,
    overheadPerCaseMs: round1((evaluationMs - baselineMs) / CASES),
    ratio: Math.round((evaluationMs / baselineMs) * 1000) / 1000,
    scoringP50Ms: median(rounds.map((r) => r.evaluation.scoringP50Ms)),
    scoringP95Ms: median(rounds.map((r) => r.evaluation.scoringP95Ms)),
    runP50Ms: {
      baseline: median(rounds.map((r) => r.baseline.runP50Ms)),
      evaluation: median(rounds.map((r) => r.evaluation.runP50Ms)),
    },
    statementsPerCase: {
      baseline: median(rounds.map((r) => r.baseline.statementsPerCase)),
      evaluation: median(rounds.map((r) => r.evaluation.statementsPerCase)),
    },
    perRound: rounds,
  };
  console.log(
    [
      `${CASES} replay cases, concurrency ${CONCURRENCY}, ${result.queue} queue, ${result.sandbox}; medians of ${ROUNDS} rounds (load ${loadAtStart} → ${result.loadAtEnd})`,
      `baseline (plain runs): ${baselineMs} ms wall; evaluation: ${evaluationMs} ms wall; ratio ${result.ratio}`,
      `overhead per case: ${result.overheadPerCaseMs} ms; scoring latency (run end → case end) p50 ${result.scoringP50Ms} ms, p95 ${result.scoringP95Ms} ms`,
      `run p50 (start → end): baseline ${result.runP50Ms.baseline} ms, evaluation ${result.runP50Ms.evaluation} ms; statements per case: baseline ${result.statementsPerCase.baseline}, evaluation ${result.statementsPerCase.evaluation}`,
    ].join("\n"),
  );
  console.log(JSON.stringify(result));
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: unknown) => console.error("cleanup:", error));
  }
  process.exit();
}
