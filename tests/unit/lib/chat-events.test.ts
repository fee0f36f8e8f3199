import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { CHAT_THOUGHT_CHARS, chatEventOf, chatEventSchema, isChatEndStatus } from "~/lib/chat-events";

const base = { runId: "r1", ts: 1 };

describe("the chat's view of run events", () => {
  it("summarises a code agent's step: its thought, python and the tools called, never the code or observations", () => {
    const event: RunEvent = {
      ...base,
      type: "step_finished",
      agentPath: ["manager"],
      seq: 7,
      step: {
        type: "action",
        stepNumber: 2,
        timing: { startTime: 0, endTime: 1500, durationMs: 1500 },
        modelOutput: "Thought: I will search.\n<code>\nresult = web_search('secret plans')\n</code>",
        codeAction: "result = web_search('secret plans')",
        toolCalls: [
          { id: "c1", name: "python_interpreter", arguments: "result = web_search('secret plans')" },
        ],
        observations: "Execution logs: private data",
        isFinalAnswer: false,
        error: { type: "AgentExecutionError", kind: "user", message: "internal detail" },
      },
    };
    const chat = chatEventOf(event);
    expect(chat).toEqual({
      type: "step",
      seq: 7,
      step: {
        agentPath: ["manager"],
        kind: "step",
        stepNumber: 2,
        thought: "I will search.",
        tools: ["python"],
        failed: true,
        durationMs: 1500,
      },
    });
    expect(JSON.stringify(chat)).not.toMatch(/private data|internal detail|web_search\(/);
    expect(chatEventSchema.parse(chat)).toEqual(chat);
  });

  it("keeps a tool-calling agent's tool names, shortens long thoughts, and summarises plans", () => {
    const long = "x".repeat(CHAT_THOUGHT_CHARS + 50);
    const step = chatEventOf({
      ...base,
      type: "step_finished",
      agentPath: ["host", "researcher"],
      seq: 3,
      step: {
        type: "action",
        stepNumber: 1,
        timing: { startTime: 0 },
        modelOutput: long,
        toolCalls: [
          { id: "a", name: "web_search", arguments: { query: "q" } },
          { id: "b", name: "python_interpreter", arguments: { code: "1" } },
        ],
        isFinalAnswer: false,
      },
    });
    expect(step).toMatchObject({ step: { tools: ["web_search", "python_interpreter"], failed: false } });
    const thought = step?.type === "step" ? step.step.thought : "";
    expect(thought).toHaveLength(CHAT_THOUGHT_CHARS);
    expect(thought.endsWith("…")).toBe(true);
    const plan = chatEventOf({
      ...base,
      type: "plan",
      agentPath: ["host"],
      seq: 1,
      step: {
        type: "planning",
        stepNumber: 1,
        plan: "1. Search\n2. Answer",
        timing: { startTime: 0, durationMs: 10 },
        tokenUsage: { inputTokens: 1, outputTokens: 1 },
      },
    });
    expect(plan).toMatchObject({
      type: "step",
      step: { kind: "plan", thought: "1. Search\n2. Answer", tools: [] },
    });
  });

  it("passes the root's final answer only, and nothing of the other events", () => {
    expect(
      chatEventOf({ ...base, type: "final_answer", agentPath: ["host"], seq: 9, output: { a: 1 } }),
    ).toEqual({
      type: "answer",
      seq: 9,
      output: { a: 1 },
    });
    expect(
      chatEventOf({ ...base, type: "final_answer", agentPath: ["host", "helper"], seq: 5, output: "x" }),
    ).toBeNull();
    expect(
      chatEventOf({
        ...base,
        type: "observation",
        agentPath: ["host"],
        seq: 4,
        stepNumber: 1,
        observation: "secret",
      }),
    ).toBeNull();
    expect(
      chatEventOf({
        ...base,
        type: "error",
        agentPath: ["host"],
        seq: 6,
        error: { type: "AgentError", kind: "unexpected", message: "stack" },
      }),
    ).toBeNull();
    expect(isChatEndStatus("succeeded")).toBe(true);
    expect(isChatEndStatus("running")).toBe(false);
    expect(isChatEndStatus(undefined)).toBe(false);
  });
});
