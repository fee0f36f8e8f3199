import { describe, expect, it } from "vitest";
import type { RunEvent, RunEventDraft } from "~/agents/events";
import { buildTimeline, contiguousSeq, mergeEvents, type TimelineStep } from "~/lib/run-timeline";

/** Events with seq and ts stamped in order, as a run context would. */
function stamp(drafts: [string[], RunEventDraft][]): RunEvent[] {
  return drafts.map(
    ([agentPath, draft], seq) => ({ ...draft, runId: "r", agentPath, seq, ts: 1000 + seq * 10 }) as RunEvent,
  );
}

const M = ["manager"];
const R = ["manager", "researcher"];
const started = (task: string, agentType: "code" | "toolCalling" = "code"): RunEventDraft => ({
  type: "run_started",
  task,
  agentType,
  modelId: "replay:gpt-4o-mini",
  maxSteps: 5,
});
const timing = { startTime: 0, endTime: 5, durationMs: 5 };
const finished = (stepNumber: number, isFinalAnswer = false): RunEventDraft => ({
  type: "step_finished",
  step: {
    type: "action",
    stepNumber,
    timing,
    isFinalAnswer,
    tokenUsage: { inputTokens: 10, outputTokens: 2 },
  },
});

const managedRun = stamp([
  [M, started("compare cities")],
  [M, { type: "model_output", stepNumber: 1, content: "plan text", toolCalls: [], durationMs: 1 }],
  [
    M,
    {
      type: "plan",
      step: {
        type: "planning",
        stepNumber: 1,
        plan: "1. ask",
        timing,
        tokenUsage: { inputTokens: 5, outputTokens: 1 },
      },
    },
  ],
  [M, { type: "step_started", stepNumber: 1 }],
  [M, { type: "model_delta", stepNumber: 1, text: "Thought: ask\n" }],
  [M, { type: "model_delta", stepNumber: 1, text: "<code>\n" }],
  [
    M,
    {
      type: "model_output",
      stepNumber: 1,
      content: "Thought: ask\n<code>\nx = researcher(task='t')\n",
      toolCalls: [],
      durationMs: 3,
      tokenUsage: { inputTokens: 10, outputTokens: 2 },
    },
  ],
  [M, { type: "code_action", stepNumber: 1, code: "x = researcher(task='t')" }],
  [R, started("t", "toolCalling")],
  [R, { type: "step_started", stepNumber: 1 }],
  [
    R,
    {
      type: "tool_call",
      stepNumber: 1,
      toolCall: { id: "c1", name: "final_answer", arguments: { answer: "42" } },
    },
  ],
  [R, { type: "observation", stepNumber: 1, toolCallId: "c1", observation: "42" }],
  [R, finished(1, true)],
  [R, { type: "final_answer", output: "42" }],
  [R, { type: "run_finished", state: "success", output: "42", stepCount: 1, timing, errors: [] }],
  [M, { type: "observation", stepNumber: 1, observation: "Execution logs:\n42" }],
  [M, finished(1)],
  [M, { type: "step_started", stepNumber: 2 }],
  [
    M,
    {
      type: "error",
      stepNumber: 2,
      error: { type: "AgentExecutionError", kind: "user", message: "NameError: y" },
    },
  ],
  [M, finished(2)],
  [M, { type: "final_answer", output: "done" }],
  [M, { type: "run_finished", state: "success", output: "done", stepCount: 2, timing, errors: [] }],
]);

describe("buildTimeline", () => {
  it("nests a managed agent's run in the manager step that called it", () => {
    const { root, counts, lastSeq } = buildTimeline(managedRun);
    expect(root?.name).toBe("manager");
    expect(root?.entries.map((entry) => entry.kind)).toEqual(["plan", "step", "step", "final_answer"]);
    const [, first, second] = root!.entries as [unknown, TimelineStep, TimelineStep];
    expect(first.codeActions).toEqual(["x = researcher(task='t')"]);
    expect(first.observations).toEqual([{ text: "Execution logs:\n42" }]);
    expect(first.streamText).toBe("");
    expect(first.modelOutput).toContain("Thought: ask");
    expect(first.tokens).toEqual({ inputTokens: 10, outputTokens: 2 });
    expect(first.children).toHaveLength(1);
    const researcher = first.children[0]!;
    expect(researcher.path).toEqual(R);
    expect(researcher.agentType).toBe("toolCalling");
    expect(researcher.finished?.state).toBe("success");
    const researcherStep = researcher.entries[0] as TimelineStep;
    expect(researcherStep.toolCalls.map((call) => call.name)).toEqual(["final_answer"]);
    expect(researcherStep.observations[0]).toEqual({ text: "42", toolCallId: "c1" });
    expect(researcherStep.isFinalAnswer).toBe(true);
    expect(second.errors.map((error) => error.message)).toEqual(["NameError: y"]);
    expect(root?.finished?.stepCount).toBe(2);
    expect(counts.code_action).toBe(1);
    expect(lastSeq).toBe(managedRun.length - 1);
  });

  it("shows model text while it streams, before the model call returns", () => {
    const partial = managedRun.slice(0, 6);
    const step = buildTimeline(partial).root?.entries[1] as TimelineStep;
    expect(step.streamText).toBe("Thought: ask\n<code>\n");
    expect(step.modelOutput).toBeUndefined();
    expect(step.finishedAt).toBeUndefined();
  });

  it("tracks an open user_input question until the agent moves on", () => {
    const events = stamp([
      [M, started("ask me", "toolCalling")],
      [M, { type: "step_started", stepNumber: 1 }],
      [M, { type: "user_input_request", requestId: "q1", question: "Which city?" }],
    ]);
    const waiting = buildTimeline(events);
    expect(waiting.openQuestion).toEqual({ requestId: "q1", question: "Which city?", agentPath: M });
    const answered = buildTimeline([
      ...events,
      { type: "observation", stepNumber: 1, observation: "Oslo", runId: "r", agentPath: M, seq: 3, ts: 2000 },
    ]);
    expect(answered.openQuestion).toBeUndefined();
    expect(answered.root?.entries.find((entry) => entry.kind === "question")).toMatchObject({
      answered: true,
    });
  });
});

describe("mergeEvents", () => {
  it("appends new events and drops seqs it already holds, in any batch order", () => {
    const held = managedRun.slice(0, 5);
    expect(mergeEvents(held, managedRun.slice(3, 8)).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const shuffled = [managedRun[9]!, managedRun[8]!, managedRun[2]!];
    expect(mergeEvents(managedRun.slice(0, 8), shuffled).map((e) => e.seq)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(mergeEvents(held, [])).toBe(held);
    expect(mergeEvents(held, held.slice(1, 3))).toBe(held);
  });
});

describe("contiguousSeq", () => {
  it("is the last seq held without a hole before it, so a client re-reads from there", () => {
    expect(contiguousSeq([])).toBe(-1);
    expect(contiguousSeq(managedRun.slice(0, 6))).toBe(5);
    // A live batch lost in transit: 3 and 4 never arrived, later events did.
    const withHole = mergeEvents(managedRun.slice(0, 3), managedRun.slice(5, 9));
    expect(withHole.map((e) => e.seq)).toEqual([0, 1, 2, 5, 6, 7, 8]);
    expect(contiguousSeq(withHole)).toBe(2);
    // Subscribed too late to get the first events live, before the replay came.
    expect(contiguousSeq(managedRun.slice(2, 7))).toBe(-1);
    // The replay fills the hole.
    expect(contiguousSeq(mergeEvents(withHole, managedRun.slice(3, 5)))).toBe(8);
  });
});
