import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTestSetFile } from "~/eval/test-set-files";
import type { WorkflowDocument } from "~/graph";
import { parseWorkflowFile } from "~/graph/import";
import { apiPeople, rejection } from "../api/api-people";
import { createTestDatabase } from "../api/test-database";
import { finishedRun } from "../runs/finished-run";

/**
 * Evaluations on the server, for real: Postgres, the in-process run queue with the worker's own code
 * (startWorker), Pyodide for the workflow's Python tool and the Python checks. Every case is a normal
 * run of the workflow whose models are replayed (known answers), scored in the worker by the same
 * code as the command line; the team's concurrent-run limit (3 here) holds eval case runs back too.
 */
const database = await createTestDatabase("eval-server");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  SECRETS_KEY: "ef".repeat(32),
  LOG_LEVEL: "warn",
  PYODIDE_POOL_SIZE: "2",
  TEAM_MAX_CONCURRENT_RUNS: "3",
  TEAM_MAX_RUNS_PER_HOUR: "1000",
});
const { db, startDatabase } = await import("~/server/db");
const { getRunServices, closeRunServices } = await import("~/server/runs/run-services");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { startWorker } = await import("~/server/worker/start-worker");
const { logger } = await import("~/server/logger");
const { person } = await apiPeople();

type Caller = Awaited<ReturnType<typeof person>>["caller"];
let caller: Caller;
let teamId: string;
let worker: ReturnType<typeof startWorker>;

const fixture = (name: string) => readFileSync(`tests/fixtures/eval/${name}`, "utf8");

/** A fixture workflow's document, its replay model's answers (and latency) replaced when given. */
function grocer(
  file = "grocer-workflow.json",
  model?: { transcript?: string[]; latencyMs?: number },
): WorkflowDocument {
  const imported = parseWorkflowFile(fixture(file));
  if (!imported.ok) throw new Error(imported.message);
  const document = structuredClone(imported.document);
  const node = document.nodes.find((candidate) => candidate.id === "model");
  if (node?.type !== "model") throw new Error("the fixture has no model node");
  Object.assign(node.data, model ?? {});
  return document;
}

const answer = (text: string) => `Thought: answer\n<code>\nfinal_answer("${text}")\n</code>`;

/** A workflow with one saved version per document, in order; their ids. */
async function workflowWithVersions(name: string, documents: WorkflowDocument[]) {
  const workflow = await caller.workflow.create({ teamId, name });
  let revision = 0;
  const versionIds: string[] = [];
  for (const graph of documents) {
    ({ revision } = await caller.workflow.saveGraph({ workflowId: workflow.id, revision, graph }));
    versionIds.push(
      (await caller.workflow.saveVersion({ workflowId: workflow.id, revision, message: "" })).id,
    );
  }
  return { workflowId: workflow.id, versionIds };
}

/** A new set with these cases. */
async function setWith(name: string, cases: Parameters<Caller["evaluation"]["saveCase"]>[0]["case"][]) {
  const { id } = await caller.evaluation.createSet({ teamId, name });
  for (const testCase of cases) await caller.evaluation.saveCase({ testSetId: id, case: testCase });
  return id;
}

/** The evaluation once it has ended (finished, cancelled or failed). */
async function ended(id: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const evaluation = await caller.evaluation.getEval({ id });
    if (!["queued", "running"].includes(evaluation.status)) return evaluation;
    if (Date.now() > deadline)
      throw new Error(`evaluation still ${evaluation.status}: ${JSON.stringify(evaluation)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The most case runs of an evaluation that were in progress (queued or running) at one moment. */
async function peakInProgress(evalRunId: string): Promise<number> {
  const runs = await db.run.findMany({ where: { evalRunId }, select: { createdAt: true, finishedAt: true } });
  const moments = runs.flatMap((run) => [
    { at: run.createdAt.getTime(), change: 1 },
    { at: (run.finishedAt ?? new Date()).getTime(), change: -1 },
  ]);
  // Ends before starts at the same millisecond: a run ending as the next starts is not an overlap.
  moments.sort((a, b) => a.at - b.at || a.change - b.change);
  let current = 0;
  let peak = 0;
  for (const moment of moments) {
    current += moment.change;
    peak = Math.max(peak, current);
  }
  return peak;
}

let grocerFlow: { workflowId: string; versionIds: string[] };

beforeAll(async () => {
  await startDatabase();
  ({ caller, teamId } = await person("Ada", "ada@example.com"));
  worker = startWorker({
    db,
    services: getRunServices(),
    publisher: new NullPublisher(),
    logger,
    concurrency: 6,
  });
  // v1 answers right (its own replayed model), v2 answers wrong.
  grocerFlow = await workflowWithVersions("Grocer", [
    grocer(),
    grocer("grocer-workflow.json", { transcript: [answer("3 apples cost 2.00 dollars")] }),
  ]);
});

afterAll(async () => {
  await worker?.stop(2_000);
  await closeRunServices();
  await db.$disconnect();
  await database.drop();
});

describe("evaluating versions through the run queue", () => {
  it("scores each case of each version, keeps the summary, and the better version wins the comparison", async () => {
    const testSetId = await setWith("Apples", [
      {
        id: "text",
        task: "What do 3 apples cost?",
        checks: [{ kind: "exact", expected: "3 apples cost 1.50 dollars" }],
      },
      { id: "number", task: "What do 3 apples cost?", checks: [{ kind: "numeric", expected: 1.5 }] },
    ]);
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: grocerFlow.versionIds,
    });
    expect(evalRunIds).toHaveLength(2);
    const [right, wrong] = [await ended(evalRunIds[0]!), await ended(evalRunIds[1]!)];

    expect(right).toMatchObject({ status: "finished", versionNumber: 1, casesDone: 2, casesTotal: 2 });
    expect(right.summary).toMatchObject({ cases: 2, passed: 2, failed: 0, passRate: 1 });
    expect(right.cases.map((c) => [c.key, c.status, c.passed])).toEqual([
      ["text", "done", true],
      ["number", "done", true],
    ]);
    expect(right.cases[0]?.result).toMatchObject({
      state: "success",
      answer: "3 apples cost 1.50 dollars",
      steps: 2,
    });

    expect(wrong).toMatchObject({ status: "finished", versionNumber: 2 });
    expect(wrong.summary).toMatchObject({ cases: 2, passed: 0, failed: 2, passRate: 0 });
    expect(
      wrong.cases.map((c) => c.result?.checks.map((check) => [check.kind, check.passed, check.reason])),
    ).toEqual([
      [["exact", false, 'the answer is "3 apples cost 2.00 dollars", not "3 apples cost 1.50 dollars"']],
      [["numeric", false, "2 is 0.5 away from 1.5"]],
    ]);

    // Each case is a normal run of the version, tagged with its evaluation.
    const runIds = right.cases.map((c) => c.runId!);
    const runs = await db.run.findMany({ where: { id: { in: runIds } } });
    expect(runs.map((run) => [run.source, run.evalRunId, run.workflowVersionId, run.status])).toEqual(
      runs.map(() => ["eval", right.id, grocerFlow.versionIds[0], "succeeded"]),
    );

    const { evals, comparison, leftOut } = await caller.evaluation.compare({ ids: evalRunIds });
    expect(evals.map((item) => item.id)).toEqual(evalRunIds);
    expect(leftOut).toBe(0);
    expect(comparison.winner).toBe(0);
    expect(comparison.best.passRate).toBe(0);
    expect(comparison.cases.map((entry) => [entry.id, entry.differs])).toEqual([
      ["text", true],
      ["number", true],
    ]);
    const first = comparison.cases[0]!.versions[0]!;
    expect(first).toMatchObject({
      passed: true,
      answer: "3 apples cost 1.50 dollars",
      steps: 2,
      runId: runIds[0],
    });
    expect(first.trace.length).toBeGreaterThan(0);
    expect(typeof first.latencyMs).toBe("number");

    const listed = await caller.evaluation.listSets({ teamId });
    expect(listed.find((set) => set.id === testSetId)).toMatchObject({
      caseCount: 2,
      lastEval: { status: "finished" },
    });
  });

  it("evaluates every check kind in the worker: Python checks in Pyodide, a replayed judge", async () => {
    const { id: testSetId } = await caller.evaluation.createSet({ teamId, name: "Every check" });
    const imported = await caller.evaluation.importCases({
      testSetId,
      fileName: "every-check.json",
      content: fixture("every-check.json"),
      mode: "append",
    });
    expect(imported).toEqual({ added: 4, replaced: 0, total: 4 });
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: [grocerFlow.versionIds[0]!],
      concurrency: 2,
    });
    const evaluation = await ended(evalRunIds[0]!);
    const byKey = Object.fromEntries(evaluation.cases.map((c) => [c.key, c.result!]));
    expect(byKey["workflow-model"]).toMatchObject({ replayed: false, passed: true });
    expect(byKey.apples?.checks.map((check) => [check.kind, check.passed])).toEqual([
      ["exact", true],
      ["contains", true],
      ["regex", true],
      ["numeric", true],
      ["python", true],
      ["judge", true],
    ]);
    expect(byKey.apples?.judge.costUsd).toBeGreaterThan(0);
    expect(byKey["pear-json"]).toMatchObject({ passed: true, answer: { item: "pear", price: 0.75 } });
    expect(byKey["plums-wrong"]?.checks.map((check) => [check.kind, check.passed, check.reason])).toEqual([
      ["exact", false, 'the answer is "4 plums cost 0.75", not "4 plums cost 1.00"'],
      ["contains", false, 'the answer "4 plums cost 0.75" does not contain "1.00"'],
      ["regex", false, 'the answer "4 plums cost 0.75" does not match /dollars?$/i'],
      ["numeric", false, "0.75 is 0.25 away from 1 (allowed 0.01)"],
      [
        "jsonSchema",
        false,
        "the answer does not match the JSON Schema: (answer): Invalid input: expected object, received string",
      ],
      ["python", false, "4 plums cost 0.75 is not 4 x 0.25"],
      ["python", false, "the check raised ValueError: no total given"],
      ["judge", false, "judge: It gives no currency."],
    ]);
    expect(evaluation.summary).toMatchObject({ cases: 4, passed: 3, failed: 1, passRate: 0.75 });
    expect(evaluation.spentUsd).toBeGreaterThan(0);
  });
});

describe("how many cases run, and when they stop", () => {
  const fiveCases = ["a", "b", "c", "d", "e"].map((id) => ({
    id,
    task: "What do 3 apples cost?",
    checks: [{ kind: "contains" as const, expected: "1.50" }],
  }));

  let fiveEvalId: string;

  it("never has more than `concurrency` case runs in progress", async () => {
    const testSetId = await setWith("Five", fiveCases);
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: [grocerFlow.versionIds[0]!],
      concurrency: 2,
    });
    const evaluation = await ended(evalRunIds[0]!);
    expect(evaluation.summary).toMatchObject({ cases: 5, passed: 5 });
    expect(await peakInProgress(evaluation.id)).toBe(2);
    fiveEvalId = evaluation.id;
  });

  it("leaves a case the team's run limit holds back pending and starts it later: none is lost", async () => {
    const testSetId = await setWith("Five more", fiveCases);
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: [grocerFlow.versionIds[0]!],
      concurrency: 5,
    });
    const evaluation = await ended(evalRunIds[0]!);
    expect(evaluation.cases.map((c) => c.status)).toEqual(["done", "done", "done", "done", "done"]);
    expect(evaluation.summary).toMatchObject({ cases: 5, passed: 5 });
    // The team may have 3 runs in progress (TEAM_MAX_CONCURRENT_RUNS).
    expect(await peakInProgress(evaluation.id)).toBe(3);
  });

  it("stops starting cases at the cost cap: the rest end not run with the reason", async () => {
    const recorded = fiveCases.slice(0, 3).map((testCase) => ({
      ...testCase,
      recording: { model: "gpt-4o-mini", transcript: [answer("3 apples cost 1.50 dollars")] },
    }));
    const testSetId = await setWith("Capped", recorded);
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: [grocerFlow.versionIds[0]!],
      concurrency: 1,
      maxCostUsd: 0.000_000_1,
    });
    const evaluation = await ended(evalRunIds[0]!);
    expect(evaluation).toMatchObject({ status: "finished", stoppedByCostCap: true });
    expect(evaluation.cases.map((c) => c.status)).toEqual(["done", "not_run", "not_run"]);
    expect(evaluation.spentUsd).toBeGreaterThan(0.000_000_1);
    for (const notRun of evaluation.cases.slice(1)) {
      expect(notRun.runId).toBeNull();
      expect(notRun.result?.failures).toEqual([
        `not run: the evaluation's cost cap of $1e-7 was reached ($${evaluation.spentUsd.toFixed(6)} spent)`,
      ]);
    }
    // The cases it skipped count as failed: a cost cap never flatters the pass rate.
    expect(evaluation.summary).toMatchObject({ cases: 3, passed: 1, failed: 2 });
    expect(evaluation.summary?.passRate).toBeCloseTo(1 / 3);

    // Against an evaluation of another set: only the case ids both have are compared.
    const { comparison, leftOut } = await caller.evaluation.compare({ ids: [evaluation.id, fiveEvalId] });
    expect(comparison.cases.map((entry) => entry.id)).toEqual(["a", "b", "c"]);
    expect(leftOut).toBe(2);
    expect(comparison.cases[1]?.versions.map((version) => version?.passed)).toEqual([false, true]);
  });

  it("cancels: pending cases end not run, the case in flight is cancelled, the evaluation ends cancelled", async () => {
    const slow = await workflowWithVersions("Slow grocer", [
      grocer("grocer-workflow.json", { latencyMs: 3_000 }),
    ]);
    const testSetId = await setWith("Slow", fiveCases.slice(0, 3));
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: slow.workflowId,
      versionIds: [slow.versionIds[0]!],
      concurrency: 1,
    });
    const id = evalRunIds[0]!;
    const first = (await caller.evaluation.getEval({ id })).cases[0]!;
    expect(first.status).toBe("running");
    // Cancel while the first case's run is under way (its model answers after 3 s).
    while ((await db.run.findUniqueOrThrow({ where: { id: first.runId! } })).status !== "running") {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect(caller.evaluation.cancelEval({ id })).resolves.toMatchObject({ status: "running" });
    const evaluation = await ended(id);
    expect(evaluation.status).toBe("cancelled");
    expect(evaluation.cases.map((c) => [c.status, c.passed])).toEqual([
      ["done", false],
      ["not_run", false],
      ["not_run", false],
    ]);
    expect(evaluation.cases[0]?.result).toMatchObject({ state: "cancelled" });
    expect((await db.run.findUniqueOrThrow({ where: { id: first.runId! } })).status).toBe("cancelled");
    expect(evaluation.cases[1]?.result?.failures).toEqual(["not run: the evaluation was cancelled"]);
    expect(await db.run.count({ where: { evalRunId: id } })).toBe(1);
    expect(evaluation.summary).toMatchObject({ cases: 3, passed: 0, failed: 3 });
  });
});

describe("an evaluation a stopped process left half done", () => {
  it("is taken up by a sweep: a case never scored is scored, a claimed case without a run starts", async () => {
    const { sweepEvaluations } = await import("~/server/eval/advance");
    const { createAgentDeps } = await import("~/server/runs/agent-deps");
    const testSetId = await setWith(
      "Swept",
      ["a", "b"].map((id) => ({
        id,
        task: "What do 3 apples cost?",
        checks: [{ kind: "contains" as const, expected: "1.50" }],
      })),
    );
    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId,
      workflowId: grocerFlow.workflowId,
      versionIds: [grocerFlow.versionIds[0]!],
      concurrency: 2,
    });
    const id = evalRunIds[0]!;
    const finished = await ended(id);
    expect(finished.summary).toMatchObject({ cases: 2, passed: 2 });
    // As a worker that stopped would leave it: case a's run ended but the case was never scored,
    // case b was claimed but got no run, and the evaluation is still running.
    const [a, b] = finished.cases;
    const long = new Date(Date.now() - 3_600_000);
    await db.run.update({ where: { id: a!.runId! }, data: { finishedAt: long } });
    await db.evalCase.updateMany({
      where: { evalRunId: id, key: a!.key },
      data: { status: "running", passed: null, result: undefined },
    });
    await db.evalCase.updateMany({
      where: { evalRunId: id, key: b!.key },
      data: { status: "running", runId: null, passed: null, startedAt: long },
    });
    await db.evalRun.update({ where: { id }, data: { status: "running", finishedAt: null, summary: {} } });

    const agent = createAgentDeps(db);
    try {
      await sweepEvaluations(db, { agentDeps: agent.depsFor });
    } finally {
      await agent.close();
    }
    const swept = await ended(id);
    expect(swept.status).toBe("finished");
    expect(swept.cases.map((c) => [c.status, c.passed])).toEqual([
      ["done", true],
      ["done", true],
    ]);
    // Case b ran again: a second run of the evaluation, tagged like the first.
    expect(await db.run.count({ where: { evalRunId: id } })).toBe(3);
    expect(swept.summary).toMatchObject({ cases: 2, passed: 2 });
  });
});

describe("a queued case run cancelled from the app", () => {
  it("ends its case not run with the run's reason, and the evaluation moves on to its end", async () => {
    const { createRun } = await import("~/server/runs/run-store");
    const workflow = await db.workflow.findUniqueOrThrow({ where: { id: grocerFlow.workflowId } });
    const evalRun = await db.evalRun.create({
      data: { teamId, testSetName: "Queued", workflowId: workflow.id, concurrency: 1 },
    });
    // A case run stored as queued but never handed to the queue: no worker will see it.
    const run = await createRun(db, {
      teamId,
      workflowId: workflow.id,
      spec: { name: "grocer" } as never,
      task: "What do 3 apples cost?",
      source: "eval",
      evalRunId: evalRun.id,
    });
    await db.evalCase.create({
      data: {
        evalRunId: evalRun.id,
        key: "queued",
        position: 0,
        status: "running",
        runId: run.id,
        data: { id: "queued", task: "What do 3 apples cost?", checks: [] },
      },
    });
    await expect(caller.run.cancel({ runId: run.id })).resolves.toEqual({ status: "cancelled" });
    const evaluation = await caller.evaluation.getEval({ id: evalRun.id });
    expect(evaluation).toMatchObject({ status: "finished", casesDone: 1, casesTotal: 1 });
    expect(evaluation.cases[0]).toMatchObject({ status: "not_run", passed: false, runId: run.id });
    expect(evaluation.cases[0]?.result?.failures).toEqual(["not run: Cancelled before it started."]);
  });
});

describe("a finished run as a regression case", () => {
  it("freezes the run; the replay passes unchanged and diverges at the right step after a tool change", async () => {
    const transcript = JSON.parse(fixture("basket-transcript.json")) as string[];
    const basket = await workflowWithVersions("Basket", [
      grocer("grocer-workflow.json", { transcript }),
      grocer("grocer-workflow-pear-changed.json", { transcript }),
    ]);
    const { runId } = await caller.run.start({
      workflowId: basket.workflowId,
      versionId: basket.versionIds[0],
      task: "What do an apple and a pear cost together?",
    });
    const run = await finishedRun(db, runId);
    expect(run.status).toBe("succeeded");

    const added = await caller.evaluation.addRunAsCase({ runId, newSetName: "Regressions", freeze: true });
    expect(added.key).toBe(`run-${runId}`);
    const set = await caller.evaluation.getSet({ id: added.testSetId });
    expect(set.name).toBe("Regressions");
    expect(set.cases).toHaveLength(1);
    const frozen = set.cases[0]!;
    expect(frozen).toMatchObject({ id: added.caseId, replay: true, checkCount: 1, sourceRunId: runId });
    expect(frozen.data.checks).toEqual([
      { kind: "exact", expected: "1.25", trim: true, caseSensitive: true },
    ]);
    expect(frozen.data.recording?.transcript).toHaveLength(3);
    expect(frozen.data.recording?.steps.map((step) => step.step)).toEqual([1, 2, 3]);

    const { evalRunIds } = await caller.evaluation.startEval({
      testSetId: added.testSetId,
      workflowId: basket.workflowId,
      versionIds: basket.versionIds,
    });
    const [same, changed] = [await ended(evalRunIds[0]!), await ended(evalRunIds[1]!)];
    expect(same.cases[0]?.result).toMatchObject({ replayed: true, passed: true, failures: [] });
    expect(same.cases[0]?.result?.divergence).toBeUndefined();
    // The case replays its recording: the case run's model is the replay of the recorded one.
    const caseRun = await db.run.findUniqueOrThrow({ where: { id: same.cases[0]!.runId! } });
    expect(caseRun.replay).toMatchObject({ model: "gpt-4o-mini" });

    const result = changed.cases[0]!.result!;
    expect(result.passed).toBe(false);
    expect(result.divergence).toMatchObject({ index: 1, agent: "grocer", step: 2, field: "observation" });
    expect(result.divergence?.recorded).toContain("[0.5, 0.75]");
    expect(result.divergence?.replayed).toContain("[0.5, 0.8]");
    expect(result.failures.at(-1)).toMatch(/^the replay diverged at step 2 of grocer/);

    // Without freezing, and with no expected answer: the run's task and no check.
    const plain = await caller.evaluation.addRunAsCase({
      runId,
      testSetId: added.testSetId,
      key: "plain",
      expected: null,
      freeze: false,
    });
    const again = await caller.evaluation.getSet({ id: added.testSetId });
    expect(again.cases.find((c) => c.id === plain.caseId)).toMatchObject({
      key: "plain",
      replay: false,
      checkCount: 0,
    });
    const duplicate = await rejection(
      caller.evaluation.addRunAsCase({ runId, testSetId: added.testSetId, key: "plain", freeze: false }),
    );
    expect([duplicate.code, duplicate.message]).toEqual([
      "CONFLICT",
      'A case with the id "plain" is already in this set; choose another id.',
    ]);
  });
});

describe("importing and exporting test sets", () => {
  it("refuses malformed CSV and JSONL with each problem's line and field, storing nothing", async () => {
    const testSetId = await setWith("Kept", [{ id: "kept", task: "Stay." }]);
    const jsonl = [
      '{"id": "a", "task": "One", "checks": [{"kind": "exact", "expected": "1"}]}',
      '{"id": "b", "task": "Two", "checks": [{"kind": "exact", "expected": "2"}',
      '{"id": "c", "task": "Three", "checks": [{"kind": "numeric", "expected": "3"}]}',
    ].join("\n");
    const files: [string, string, "csv" | "jsonl"][] = [
      ["malformed.csv", fixture("malformed.csv"), "csv"],
      ["malformed-rows.csv", fixture("malformed-rows.csv"), "csv"],
      ["cases.jsonl", jsonl, "jsonl"],
    ];
    for (const [fileName, content, format] of files) {
      const parsed = parseTestSetFile(content, format);
      if (parsed.ok) throw new Error(`${fileName} parsed`);
      for (const mode of ["append", "replace"] as const) {
        const error = await rejection(caller.evaluation.importCases({ testSetId, fileName, content, mode }));
        expect(error.code).toBe("BAD_REQUEST");
        expect(error.message).toBe(`${fileName} cannot be imported:\n${parsed.problems.join("\n")}`);
      }
      expect(parsed.problems.every((problem) => /line \d+/.test(problem))).toBe(true);
    }
    const set = await caller.evaluation.getSet({ id: testSetId });
    expect(set.cases.map((c) => c.key)).toEqual(["kept"]);
    const unknown = await rejection(
      caller.evaluation.importCases({ testSetId, fileName: "cases.txt", content: "x", mode: "append" }),
    );
    expect(unknown.message).toBe('"cases.txt" is not a test set file: use .json, .jsonl or .csv.');
  });

  it("exports a set as JSON, JSONL and CSV that import back to the same cases", async () => {
    const { id: source } = await caller.evaluation.createSet({ teamId, name: "Every check, exported" });
    await caller.evaluation.importCases({
      testSetId: source,
      fileName: "every-check.json",
      content: fixture("every-check.json"),
      mode: "replace",
    });
    const original = await caller.evaluation.getSet({ id: source });
    for (const format of ["json", "jsonl", "csv"] as const) {
      const file = await caller.evaluation.exportSet({ id: source, format });
      expect(file.fileName).toBe(`Every-check-exported.${format}`);
      const target = await setWith(`Back from ${format}`, [{ id: "replaced", task: "Goes away." }]);
      const result = await caller.evaluation.importCases({
        testSetId: target,
        fileName: file.fileName,
        content: file.content,
        mode: "replace",
      });
      expect(result).toEqual({ added: 4, replaced: 0, total: 4 });
      const back = await caller.evaluation.getSet({ id: target });
      expect(back.cases.map((c) => c.data)).toEqual(original.cases.map((c) => c.data));
    }
  });
});
