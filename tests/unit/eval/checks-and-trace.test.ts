import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { answerNumber, type CaseRunOutcome, evaluateChecks, parseJudgeVerdict } from "~/eval/evaluate-checks";
import { caseFromRun } from "~/eval/recording";
import { percentile } from "~/eval/run-test-set";
import { caseCheckSchema, type TraceStep } from "~/eval/test-set";
import { divergenceInWords, firstDivergence, traceFromEvents } from "~/eval/trace";

/** The checks that need no sandbox or model, and the step comparison of replays. */

const outcome = (answer: unknown): CaseRunOutcome => ({
  answer,
  state: "success",
  steps: 1,
  inputTokens: 10,
  outputTokens: 2,
  costUsd: 0,
  latencyMs: 5,
  toolCalls: [],
});

const noHost = {
  createSandbox: () => Promise.reject(new Error("no sandbox in unit tests")),
  createJudgeModel: () => Promise.reject(new Error("no judge in unit tests")),
};

const verdicts = async (answer: unknown, checks: unknown[]) =>
  (
    await evaluateChecks(
      checks.map((check) => caseCheckSchema.parse(check)),
      "task",
      outcome(answer),
      noHost,
    )
  ).map((result) => [result.passed, result.reason]);

describe("checks on an answer", () => {
  it("reads numbers from answers: the value, the whole text, else the last number written", () => {
    expect(
      [42, " 3.5 ", "It costs 1,234.50 dollars", "2 apples and 3 pears", "none", "", null].map(answerNumber),
    ).toEqual([42, 3.5, 1234.5, 3, undefined, undefined, undefined]);
  });

  it("compares text exactly (trimmed, case as asked), by containment and by pattern", async () => {
    expect(
      await verdicts(" Paris ", [
        { kind: "exact", expected: "Paris" },
        { kind: "exact", expected: "paris" },
        { kind: "exact", expected: "paris", caseSensitive: false },
        { kind: "exact", expected: "Paris", trim: false },
        { kind: "contains", expected: "PAR" },
        { kind: "contains", expected: "PAR", caseSensitive: true },
        { kind: "regex", pattern: "^\\s*P\\w+" },
      ]),
    ).toEqual([
      [true, "the answer is the expected text"],
      [false, 'the answer is " Paris ", not "paris"'],
      [true, "the answer is the expected text"],
      [false, 'the answer is " Paris ", not "Paris"'],
      [true, 'the answer contains "PAR"'],
      [false, 'the answer " Paris " does not contain "PAR"'],
      [true, 'the answer matches at " Paris"'],
    ]);
  });

  it("checks numbers within an absolute or relative tolerance, and structured answers against a JSON Schema", async () => {
    expect(
      await verdicts('{"total": 105}', [
        { kind: "numeric", expected: 100, tolerance: 0.05, relative: true },
        { kind: "numeric", expected: 100, tolerance: 4 },
        {
          kind: "jsonSchema",
          schema: { type: "object", properties: { total: { type: "integer" } }, required: ["total"] },
        },
        { kind: "jsonSchema", schema: { type: "object", properties: { total: { type: "string" } } } },
      ]),
    ).toEqual([
      [true, "105 is within 100 ± 5"],
      [false, "105 is 5 away from 100 (allowed 4)"],
      [true, "the answer matches the JSON Schema"],
      [
        false,
        "the answer does not match the JSON Schema: total: Invalid input: expected string, received number",
      ],
    ]);
  });

  it("fails Python and judge checks whose host is missing, with the reason, instead of throwing", async () => {
    expect(
      await verdicts("x", [
        { kind: "python", source: "def check(answer, run):\n    return True" },
        { kind: "judge", rubric: "Good", model: { provider: "replay", transcript: [] } },
      ]),
    ).toEqual([
      [false, "the sandbox could not start: no sandbox in unit tests"],
      [false, "the judge model could not be built: no judge in unit tests"],
    ]);
  });

  it("reads a judge's verdict from its reply, fenced or with words around it", () => {
    expect(parseJudgeVerdict('```json\n{"pass": false, "reason": "wrong"}\n```')).toEqual({
      pass: false,
      reason: "wrong",
    });
    expect(parseJudgeVerdict('Sure. {"pass": true}')).toEqual({ pass: true, reason: "" });
    expect(parseJudgeVerdict("I think it passes")).toBeUndefined();
    expect(parseJudgeVerdict('{"pass": "yes"}')).toBeUndefined();
  });

  it("takes nearest-rank percentiles", () => {
    expect([
      percentile([], 0.5),
      percentile([5], 0.95),
      percentile([1, 2, 3, 4], 0.5),
      percentile([4, 1, 3, 2], 0.95),
    ]).toEqual([0, 5, 2, 4]);
  });
});

const event = (seq: number, agentPath: string[], body: Record<string, unknown>): RunEvent =>
  ({ runId: "r", agentPath, seq, ts: seq, ...body }) as RunEvent;

describe("replay traces", () => {
  const events: RunEvent[] = [
    event(0, ["boss"], {
      type: "run_started",
      task: "t",
      agentType: "toolCalling",
      modelId: "m",
      maxSteps: 3,
    }),
    event(1, ["boss"], {
      type: "tool_call",
      stepNumber: 1,
      toolCall: { id: "call_0_0", name: "helper", arguments: { task: "sum", n: 2 } },
    }),
    event(2, ["boss", "helper"], { type: "code_action", stepNumber: 1, code: "print(1 + 1)" }),
    event(3, ["boss", "helper"], { type: "observation", stepNumber: 1, observation: "2" }),
    event(4, ["boss"], {
      type: "observation",
      stepNumber: 1,
      toolCallId: "call_0_0",
      observation: "helper says 2",
    }),
    event(5, ["boss"], {
      type: "error",
      stepNumber: 2,
      error: { type: "AgentToolCallError", message: "unknown tool" },
    }),
  ];

  it("groups a run's events into steps per agent, in the order they began", () => {
    expect(traceFromEvents([...events].reverse())).toEqual([
      {
        agent: "boss",
        step: 1,
        toolCalls: [{ name: "helper", arguments: { task: "sum", n: 2 } }],
        observation: "helper says 2",
      },
      { agent: "boss/helper", step: 1, toolCalls: [], code: "print(1 + 1)", observation: "2" },
      { agent: "boss", step: 2, toolCalls: [], error: "unknown tool" },
    ]);
  });

  const recorded: TraceStep[] = traceFromEvents(events);

  it("finds no divergence in the same steps, whatever the order of argument keys", () => {
    const same = recorded.map((step) => ({
      ...step,
      toolCalls: step.toolCalls.map((call) => ({ ...call, arguments: { n: 2, task: "sum" } })),
    }));
    expect(firstDivergence(recorded, same)).toBeUndefined();
  });

  it("reports the first differing step with both sides: calls, code, observation, a missing or an extra step", () => {
    const changed = (index: number, patch: Partial<TraceStep>) =>
      recorded.map((step, i) => (i === index ? { ...step, ...patch } : step));
    expect(
      firstDivergence(
        recorded,
        changed(0, { toolCalls: [{ name: "helper", arguments: { task: "sum", n: 3 } }] }),
      ),
    ).toEqual({
      index: 0,
      agent: "boss",
      step: 1,
      field: "tool calls",
      recorded: 'helper({"task":"sum","n":2})',
      replayed: 'helper({"task":"sum","n":3})',
    });
    const code = firstDivergence(recorded, changed(1, { code: "print(2 + 2)", observation: "4" }));
    expect(code).toMatchObject({
      index: 1,
      agent: "boss/helper",
      field: "code",
      recorded: "print(1 + 1)",
      replayed: "print(2 + 2)",
    });
    expect(divergenceInWords(code!)).toBe(
      'step 1 of boss/helper (step 2 of the run): the code differs: recorded "print(1 + 1)", replayed "print(2 + 2)"',
    );
    expect(firstDivergence(recorded, recorded.slice(0, 2))).toMatchObject({
      index: 2,
      field: "missing step",
      recorded: 'boss step 2, error "unknown tool"',
      replayed: "(the replay ended before this step)",
    });
    expect(firstDivergence(recorded.slice(0, 1), recorded)).toMatchObject({
      index: 1,
      agent: "boss/helper",
      field: "extra step",
      replayed: 'boss/helper step 1, code "print(1 + 1)", observation "2"',
    });
  });
});

describe("freezing a run into a case", () => {
  const started = event(0, ["a"], {
    type: "run_started",
    task: "t",
    agentType: "toolCalling",
    modelId: "replay:gpt-4o",
    maxSteps: 2,
  });
  const output = event(1, ["a"], {
    type: "model_output",
    stepNumber: 1,
    content: "",
    toolCalls: [{ id: "c1", name: "final_answer", arguments: { answer: 42 } }],
    durationMs: 1,
  });
  const finished = (state: string) =>
    event(2, ["a"], {
      type: "run_finished",
      state,
      output: 42,
      stepCount: 1,
      timing: { startTime: 0 },
      errors: [],
    });

  it("refuses a run that has not finished or has no model answer, saying so", () => {
    expect(() => caseFromRun({ id: "x", task: "t", events: [started, output] })).toThrow(
      "The run has not finished: only a finished run can become a regression case.",
    );
    expect(() => caseFromRun({ id: "x", task: "t", events: [started, finished("error")] })).toThrow(
      "The run has no model answer to replay.",
    );
  });

  it("expects a successful run's answer exactly, and a failed run's nothing until someone writes checks", () => {
    const ok = caseFromRun({
      id: "x",
      task: "t",
      events: [started, output, finished("success")],
      runId: "run_9",
    });
    expect(ok.checks).toEqual([{ kind: "exact", expected: "42", trim: true, caseSensitive: true }]);
    expect(ok.recording).toMatchObject({
      model: "gpt-4o",
      runId: "run_9",
      transcript: [{ tool_calls: [{ name: "final_answer", arguments: { answer: 42 } }] }],
    });
    expect(
      caseFromRun({ id: "y", task: "t", events: [started, output, finished("max_steps")] }).checks,
    ).toEqual([]);
  });
});
