import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateChecks, REGEX_TIMEOUT_MS } from "~/eval/evaluate-checks";
import { caseCheckSchema } from "~/eval/test-set";
import { apiPeople, rejection } from "../integration/api/api-people";
import { createTestDatabase } from "../integration/api/test-database";

/**
 * Evaluations across teams and roles: another team's test set, case, evaluation, run and workflow
 * ids are answered exactly as missing ones (NOT_FOUND, same message), a viewer can read but neither
 * change a set nor start or cancel an evaluation (and nothing is stored), and a regex check someone
 * else wrote cannot hold the worker: a catastrophic pattern is stopped within its time bound.
 */
const database = await createTestDatabase("eval-access");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", SECRETS_KEY: "ab".repeat(32) });
const { db, startDatabase } = await import("~/server/db");
const { person, callerFor } = await apiPeople();

type Caller = Awaited<ReturnType<typeof person>>["caller"];
let owner: Caller;
let outsider: Caller;
let viewer: Caller;
let ids: { testSetId: string; caseId: string; evalRunId: string; runId: string; workflowId: string };
let outsiderTeamId: string;
let outsiderEvalRunId: string;
let outsiderSetId: string;

const missing = "c0000000000000000000000000";

beforeAll(async () => {
  await startDatabase();
  const ada = await person("Ada", "ada@example.com");
  const eve = await person("Eve", "eve@example.com");
  owner = ada.caller;
  outsider = eve.caller;
  outsiderTeamId = eve.teamId;
  const vic = await db.user.create({ data: { name: "Vic", email: "vic@example.com" } });
  await db.membership.create({ data: { teamId: ada.teamId, userId: vic.id, role: "viewer" } });
  viewer = callerFor({ id: vic.id, name: "Vic", email: "vic@example.com" });

  const graph = { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };
  const workflow = await db.workflow.create({ data: { teamId: ada.teamId, name: "Private", graph } });
  const run = await db.run.create({
    data: {
      teamId: ada.teamId,
      workflowId: workflow.id,
      spec: {},
      task: "t",
      status: "succeeded",
      output: "4",
    },
  });
  const { id: testSetId } = await owner.evaluation.createSet({ teamId: ada.teamId, name: "Private set" });
  const { id: caseId } = await owner.evaluation.saveCase({ testSetId, case: { id: "sum", task: "2+2?" } });
  const evalRun = await db.evalRun.create({
    data: { teamId: ada.teamId, testSetId, testSetName: "Private set", workflowId: workflow.id },
  });
  ids = { testSetId, caseId, evalRunId: evalRun.id, runId: run.id, workflowId: workflow.id };
  outsiderSetId = (await outsider.evaluation.createSet({ teamId: eve.teamId, name: "Eve's" })).id;
  await outsider.evaluation.saveCase({ testSetId: outsiderSetId, case: { id: "hers", task: "3+3?" } });
  outsiderEvalRunId = (
    await db.evalRun.create({ data: { teamId: eve.teamId, testSetId: outsiderSetId, testSetName: "Eve's" } })
  ).id;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** The code and message a call was refused with. */
async function refusal(call: Promise<unknown>) {
  const error = await rejection(call);
  return [error.code, error.message];
}

describe("another team's ids", () => {
  it("are answered exactly as missing ones, for every procedure named by an id", async () => {
    const calls: [string, (id: string) => Promise<unknown>, keyof typeof ids][] = [
      ["getSet", (id) => outsider.evaluation.getSet({ id }), "testSetId"],
      ["updateSet", (id) => outsider.evaluation.updateSet({ id, name: "Mine now" }), "testSetId"],
      ["deleteSet", (id) => outsider.evaluation.deleteSet({ id }), "testSetId"],
      ["exportSet", (id) => outsider.evaluation.exportSet({ id, format: "json" }), "testSetId"],
      [
        "saveCase",
        (id) => outsider.evaluation.saveCase({ testSetId: id, case: { id: "x", task: "t" } }),
        "testSetId",
      ],
      [
        "importCases",
        (id) =>
          outsider.evaluation.importCases({
            testSetId: id,
            fileName: "x.jsonl",
            content: '{"id": "x", "task": "t"}',
            mode: "replace",
          }),
        "testSetId",
      ],
      [
        "startEval",
        (id) =>
          outsider.evaluation.startEval({ testSetId: id, workflowId: ids.workflowId, versionIds: [null] }),
        "testSetId",
      ],
      ["deleteCase", (id) => outsider.evaluation.deleteCase({ id }), "caseId"],
      ["getEval", (id) => outsider.evaluation.getEval({ id }), "evalRunId"],
      ["cancelEval", (id) => outsider.evaluation.cancelEval({ id }), "evalRunId"],
      [
        "addRunAsCase",
        (id) => outsider.evaluation.addRunAsCase({ runId: id, newSetName: "Stolen", freeze: false }),
        "runId",
      ],
    ];
    for (const [name, call, key] of calls) {
      const theirs = await refusal(call(ids[key]));
      expect(theirs[0], name).toBe("NOT_FOUND");
      expect(theirs, name).toEqual(await refusal(call(missing)));
    }
    // Mixed with the caller's own: an evaluation of another team compares as a missing one.
    expect(await refusal(outsider.evaluation.compare({ ids: [outsiderEvalRunId, ids.evalRunId] }))).toEqual(
      await refusal(outsider.evaluation.compare({ ids: [outsiderEvalRunId, missing] })),
    );
    expect(await refusal(outsider.evaluation.compare({ ids: [ids.evalRunId, outsiderEvalRunId] }))).toEqual([
      "NOT_FOUND",
      "Evaluation not found.",
    ]);
    // The caller's own set with another team's workflow, and the caller's own run into another team's set.
    const workflowRefusal = await refusal(
      outsider.evaluation.startEval({
        testSetId: outsiderSetId,
        workflowId: ids.workflowId,
        versionIds: [null],
      }),
    );
    expect(workflowRefusal).toEqual(
      await refusal(
        outsider.evaluation.startEval({ testSetId: outsiderSetId, workflowId: missing, versionIds: [null] }),
      ),
    );
    expect(workflowRefusal).toEqual(["NOT_FOUND", "Workflow not found."]);
    const ownRun = await db.run.create({
      data: { teamId: outsiderTeamId, spec: {}, task: "t", status: "succeeded", output: "1" },
    });
    expect(
      await refusal(
        outsider.evaluation.addRunAsCase({ runId: ownRun.id, testSetId: ids.testSetId, freeze: false }),
      ),
    ).toEqual(["NOT_FOUND", "Test set not found."]);
    // Lists show only the caller's team, and nothing of the other team changed.
    const listed = await outsider.evaluation.listSets({ teamId: outsiderTeamId });
    expect(listed.map((set) => set.id)).toEqual([outsiderSetId]);
    expect(await db.testCase.count({ where: { testSetId: ids.testSetId } })).toBe(1);
    expect(await db.testSet.findUniqueOrThrow({ where: { id: ids.testSetId } })).toMatchObject({
      name: "Private set",
    });
    expect(await db.evalRun.findUniqueOrThrow({ where: { id: ids.evalRunId } })).toMatchObject({
      cancelRequestedAt: null,
    });
  });
});

describe("a viewer", () => {
  it("reads sets and evaluations but cannot change a set, start or cancel an evaluation", async () => {
    await expect(viewer.evaluation.getSet({ id: ids.testSetId })).resolves.toMatchObject({
      name: "Private set",
    });
    await expect(viewer.evaluation.getEval({ id: ids.evalRunId })).resolves.toMatchObject({
      id: ids.evalRunId,
    });
    const teamId = (await db.testSet.findUniqueOrThrow({ where: { id: ids.testSetId } })).teamId;
    const refused = [
      () => viewer.evaluation.createSet({ teamId, name: "Viewer's" }),
      () => viewer.evaluation.updateSet({ id: ids.testSetId, name: "Renamed" }),
      () => viewer.evaluation.deleteSet({ id: ids.testSetId }),
      () => viewer.evaluation.saveCase({ testSetId: ids.testSetId, case: { id: "new", task: "t" } }),
      () => viewer.evaluation.deleteCase({ id: ids.caseId }),
      () =>
        viewer.evaluation.importCases({
          testSetId: ids.testSetId,
          fileName: "x.jsonl",
          content: '{"id": "x", "task": "t"}',
          mode: "replace",
        }),
      () => viewer.evaluation.addRunAsCase({ runId: ids.runId, testSetId: ids.testSetId, freeze: false }),
      () =>
        viewer.evaluation.startEval({
          testSetId: ids.testSetId,
          workflowId: ids.workflowId,
          versionIds: [null],
        }),
      () => viewer.evaluation.cancelEval({ id: ids.evalRunId }),
    ];
    for (const call of refused) expect((await rejection(call())).code).toBe("FORBIDDEN");
    expect(await db.testSet.count({ where: { teamId } })).toBe(1);
    expect(
      await db.testCase.findMany({ where: { testSetId: ids.testSetId }, select: { key: true } }),
    ).toEqual([{ key: "sum" }]);
    expect(await db.evalRun.count({ where: { teamId } })).toBe(1);
  });
});

describe("a regex check written by someone else", () => {
  it("fails a catastrophically backtracking pattern with the reason, within its time bound", async () => {
    const check = caseCheckSchema.parse({ kind: "regex", pattern: "^(a+)+$" });
    const started = performance.now();
    const [result] = await evaluateChecks(
      [check],
      "t",
      {
        answer: `${"a".repeat(40)}!`,
        state: "success",
        steps: 1,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: 0,
        toolCalls: [],
      },
      {
        createSandbox: () => Promise.reject(new Error("no sandbox for regex checks")),
        createJudgeModel: () => Promise.reject(new Error("no judge for regex checks")),
      },
    );
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({
      kind: "regex",
      passed: false,
      reason: `matching /^(a+)+$/ took longer than ${REGEX_TIMEOUT_MS} ms and was stopped (a pattern that backtracks catastrophically?)`,
    });
    expect(elapsed).toBeLessThan(REGEX_TIMEOUT_MS + 1_000);
  }, 10_000);

  it("still matches ordinary patterns, with their flags", async () => {
    const outcome = {
      answer: "Paris, FRANCE",
      state: "success" as const,
      steps: 1,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: 0,
      toolCalls: [],
    };
    const checks = [
      caseCheckSchema.parse({ kind: "regex", pattern: "france$", flags: "i" }),
      caseCheckSchema.parse({ kind: "regex", pattern: "^Lyon" }),
    ];
    const results = await evaluateChecks(checks, "t", outcome, {
      createSandbox: () => Promise.reject(new Error("unused")),
      createJudgeModel: () => Promise.reject(new Error("unused")),
    });
    expect(results.map((result) => [result.passed, result.reason])).toEqual([
      [true, 'the answer matches at "FRANCE"'],
      [false, 'the answer "Paris, FRANCE" does not match /^Lyon/'],
    ]);
  });
});
