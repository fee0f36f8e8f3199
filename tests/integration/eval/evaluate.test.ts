import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { createModel } from "~/agents/models";
import { OutboundGuard } from "~/agents/net/guarded-fetch";
import { caseFromRun } from "~/eval/recording";
import { type EvalHost, runCase, runTestSet } from "~/eval/run-test-set";
import { caseCheckKinds, type TestCase, testCaseSchema, testSetSchema } from "~/eval/test-set";
import { parseTestSetFile } from "~/eval/test-set-files";
import type { AgentSpec } from "~/graph/agent-spec";
import { compile } from "~/graph/compile";
import { parseWorkflowFile } from "~/graph/import";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/**
 * Evaluation end to end on the engine: a test set with every check kind against a workflow whose
 * models are replayed (known answers, so each check's verdict is known), Python checks in a real
 * Pyodide sandbox, a judge through an OpenAI-compatible HTTP server, and a recorded run replayed
 * after a tool change, reported at the step where it diverges.
 */

const fixture = (name: string) => readFileSync(`tests/fixtures/eval/${name}`, "utf8");

function workflowSpec(name: string): AgentSpec {
  const imported = parseWorkflowFile(fixture(name));
  if (!imported.ok) throw new Error(imported.message);
  const compiled = compile(imported.document);
  if (!compiled.ok) throw new Error(compiled.issues.map((issue) => issue.message).join("; "));
  return compiled.spec;
}

let pool: PyodidePool;
let server: OpenAITestServer;
let host: EvalHost;

beforeAll(async () => {
  pool = new PyodidePool({ size: 2 });
  server = await startOpenAIServer();
  const origin = new URL(server.url);
  const guard = new OutboundGuard({ allow: [origin.host] });
  host = {
    agent: {
      resolveSecret: async () => undefined,
      createExecutor: (spec, options) => createExecutor(spec, { ...options, pyodidePool: pool }),
    },
    checks: {
      createSandbox: () => createExecutor({ kind: "pyodide" }, { pyodidePool: pool }),
      createJudgeModel: (spec) =>
        createModel(spec, {
          resolveSecret: async (name) => (name === "JUDGE_KEY" ? { value: "sk-judge" } : undefined),
          outbound: guard,
        }),
    },
  };
});

afterAll(async () => {
  await pool?.close();
  await server?.close();
});

describe("a test set with every check kind", () => {
  it("passes and fails each check as the known answers say, with reasons in words", async () => {
    const parsed = parseTestSetFile(fixture("every-check.json"), "json");
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const kinds = new Set(parsed.set.cases.flatMap((testCase) => testCase.checks.map((check) => check.kind)));
    expect([...kinds].sort()).toEqual([...caseCheckKinds].sort());

    const finished: string[] = [];
    const { results, summary } = await runTestSet(workflowSpec("grocer-workflow.json"), parsed.set, host, {
      concurrency: 2,
      onCase: (result) => finished.push(result.id),
    });
    expect(finished.sort()).toEqual(["apples", "pear-json", "plums-wrong", "workflow-model"]);
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));

    // The workflow's own (replay) model answers the case without a recording.
    expect(byId["workflow-model"]).toMatchObject({
      replayed: false,
      passed: true,
      answer: "3 apples cost 1.50 dollars",
    });

    const apples = byId.apples!;
    expect(apples).toMatchObject({ replayed: true, passed: true, state: "success", steps: 2, failures: [] });
    expect(apples.checks.map((check) => [check.kind, check.passed])).toEqual([
      ["exact", true],
      ["contains", true],
      ["regex", true],
      ["numeric", true],
      ["python", true],
      ["judge", true],
    ]);
    expect(apples.checks[5]?.reason).toBe("judge: It states the price of the basket.");
    // The judge's tokens are its own: priced as the replayed model (gpt-4o-mini), apart from the run's.
    expect(apples.judge.inputTokens).toBeGreaterThan(0);
    expect(apples.judge.costUsd).toBeGreaterThan(0);
    expect(apples.costUsd).toBeGreaterThan(0);
    expect(apples.inputTokens).toBeGreaterThan(apples.judge.inputTokens);

    expect(byId["pear-json"]).toMatchObject({ passed: true, answer: { item: "pear", price: 0.75 } });

    const plums = byId["plums-wrong"]!;
    expect(plums.passed).toBe(false);
    expect(plums.answer).toBe("4 plums cost 0.75");
    expect(plums.checks.map((check) => [check.kind, check.passed, check.reason])).toEqual([
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
    expect(plums.failures).toHaveLength(8);
    expect(summary).toMatchObject({ cases: 4, passed: 3, failed: 1, passRate: 0.75 });
    expect(summary.judgeCostUsd).toBeGreaterThan(0);
  });

  it("keeps hostile check code in the sandbox: a check reading host files fails with the sandbox's refusal", async () => {
    const testCase = testCaseSchema.parse({
      id: "hostile",
      task: "What do 3 apples cost?",
      checks: [
        {
          kind: "python",
          source: "def check(answer, run):\n    return len(open('/etc/passwd').read()) > 0",
        },
      ],
    });
    const result = await runCase(workflowSpec("grocer-workflow.json"), testCase, host);
    expect(result.checks[0]?.passed).toBe(false);
    expect(result.checks[0]?.reason).toBe("the check raised NameError: name 'open' is not defined");
  });

  it("shares one sandbox among a set's Python checks, and replaces it after a check that times out", async () => {
    let sandboxes = 0;
    const counting: EvalHost = {
      ...host,
      checks: {
        ...host.checks,
        pythonTimeoutMs: 3_000,
        createSandbox: () => {
          sandboxes++;
          return host.checks.createSandbox();
        },
      },
    };
    const check = (source: string) => [{ kind: "python", source }];
    const recording = { transcript: ['Thought: answer\n<code>\nfinal_answer("done")\n</code>'] };
    const set = testSetSchema.parse({
      cases: [
        {
          id: "first",
          task: "t",
          recording,
          checks: check("def check(answer, run):\n    return answer == 'done'"),
        },
        {
          id: "second",
          task: "t",
          recording,
          checks: check("def check(answer, run):\n    return run['steps'] == 1"),
        },
        {
          id: "stuck",
          task: "t",
          recording,
          checks: check("import time\n\ndef check(answer, run):\n    time.sleep(60)\n    return True"),
        },
        {
          id: "after",
          task: "t",
          recording,
          checks: check("def check(answer, run):\n    return (True, 'fresh sandbox')"),
        },
      ],
    });
    const { results } = await runTestSet(workflowSpec("grocer-workflow.json"), set, counting, {
      concurrency: 1,
    });
    expect(results.map((result) => [result.id, result.checks[0]?.passed, result.checks[0]?.reason])).toEqual([
      ["first", true, "check(answer, run) returned a true value"],
      ["second", true, "check(answer, run) returned a true value"],
      ["stuck", false, "the check timed out"],
      ["after", true, "fresh sandbox"],
    ]);
    expect(sandboxes).toBe(2);
  });

  it("gives a case's extra values and audio to its run, as the worker does (audio as the value `audio`)", async () => {
    const testCase = testCaseSchema.parse({
      id: "inputs",
      task: "Price the basket you were given.",
      additionalArgs: { basket: ["apple", "plum", "plum"] },
      audio: ["data:audio/wav;base64,UklGRg=="],
      recording: {
        transcript: [
          'Thought: use the inputs\n<code>\ntotal = sum(unit_price(item) for item in basket)\nfinal_answer(f"{total:.2f} for {len(basket)} items, {len(audio)} recording")\n</code>',
        ],
      },
      checks: [{ kind: "exact", expected: "1.00 for 3 items, 1 recording" }],
    });
    const result = await runCase(workflowSpec("grocer-workflow.json"), testCase, host);
    expect(result).toMatchObject({ passed: true, answer: "1.00 for 3 items, 1 recording" });
  });

  it("asks an LLM judge over HTTP and reports its tokens apart from the run's", async () => {
    server.enqueue({
      content: '```json\n{"pass": true, "reason": "The total is right."}\n```',
      usage: { prompt_tokens: 120, completion_tokens: 12 },
    });
    const testCase = testCaseSchema.parse({
      id: "judged",
      task: "What do 3 apples cost?",
      checks: [
        {
          kind: "judge",
          rubric: "The total is 1.50 dollars.",
          model: { provider: "openai", model: "gpt-4o", baseUrl: server.url, apiKeySecret: "JUDGE_KEY" },
        },
      ],
    });
    const result = await runCase(workflowSpec("grocer-workflow.json"), testCase, host);
    expect(result.checks[0]).toMatchObject({
      kind: "judge",
      passed: true,
      reason: "judge: The total is right.",
      judge: {
        model: "gpt-4o",
        inputTokens: 120,
        outputTokens: 12,
        costUsd: (120 * 2.5 + 12 * 10) / 1_000_000,
      },
    });
    expect(result.judge).toEqual({
      inputTokens: 120,
      outputTokens: 12,
      costUsd: (120 * 2.5 + 12 * 10) / 1_000_000,
    });
    const request = server.requests.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer sk-judge");
    const sent = JSON.stringify(request.body.messages);
    expect(sent).toContain("3 apples cost 1.50 dollars");
    expect(sent).toContain("The total is 1.50 dollars.");
  });
});

describe("regression from a recorded run", () => {
  let recorded: TestCase;

  beforeAll(async () => {
    // A live run of the workflow (its model: the basket transcript), recorded through its events.
    const transcript = JSON.parse(fixture("basket-transcript.json"));
    const live = testCaseSchema.parse({
      id: "live",
      task: "What do an apple and a pear cost together?",
      recording: { model: "gpt-4o-mini", transcript },
    });
    const run = await runCase(workflowSpec("grocer-workflow.json"), live, host, { keepEvents: true });
    expect(run).toMatchObject({ state: "success", answer: 1.25, steps: 3 });
    recorded = caseFromRun({ id: "basket", task: live.task, events: run.events!, runId: "run_1" });
  });

  it("freezes the run's answers, steps and final answer into a case", () => {
    expect(recorded.recording?.transcript).toHaveLength(3);
    expect(recorded.recording?.model).toBe("gpt-4o-mini");
    expect(recorded.recording?.steps.map((step) => [step.agent, step.step])).toEqual([
      ["grocer", 1],
      ["grocer", 2],
      ["grocer", 3],
    ]);
    expect(recorded.checks).toEqual([{ kind: "exact", expected: "1.25", trim: true, caseSensitive: true }]);
  });

  it("replays unchanged: every step matches and the case passes", async () => {
    const result = await runCase(workflowSpec("grocer-workflow.json"), recorded, host);
    expect(result).toMatchObject({ replayed: true, passed: true, failures: [] });
    expect(result.divergence).toBeUndefined();
  });

  it("replays after a tool change: reported at the first diverging step, with both sides", async () => {
    const result = await runCase(workflowSpec("grocer-workflow-pear-changed.json"), recorded, host);
    expect(result.passed).toBe(false);
    expect(result.divergence).toMatchObject({ index: 1, agent: "grocer", step: 2, field: "observation" });
    expect(result.divergence?.recorded).toContain("[0.5, 0.75]");
    expect(result.divergence?.replayed).toContain("[0.5, 0.8]");
    expect(result.failures).toContain('exact "1.25": the answer is "1.3", not "1.25"');
    expect(result.failures.at(-1)).toMatch(
      /^the replay diverged at step 2 of grocer \(step 2 of the run\): the observation differs/,
    );
  });
});
