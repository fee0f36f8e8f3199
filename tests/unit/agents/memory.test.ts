import { describe, expect, it } from "vitest";
import { type ActionStep, AgentMemory, memoryStepSchema, stepToMessages } from "~/agents/memory";

describe("AgentMemory", () => {
  it("renders steps as messages once and keeps them plain JSON", () => {
    const memory = new AgentMemory("system prompt");
    const step: ActionStep = {
      type: "action",
      stepNumber: 1,
      timing: { startTime: 1, endTime: 2, durationMs: 1 },
      modelOutput: "Thought: call\n<code>\nx = 1\n</code>",
      codeAction: "x = 1",
      observations: "Last output from code snippet:\n1",
      isFinalAnswer: false,
    };
    memory.steps.push({ type: "task", task: "Do it", images: ["data:image/png;base64,AA"] }, step);
    const messages = memory.toMessages();
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[1]!.content).toEqual([
      { type: "text", text: "New task:\nDo it" },
      { type: "image", image: "data:image/png;base64,AA" },
    ]);
    expect(stepToMessages(step)).toBe(stepToMessages(step));
    for (const s of memory.steps) expect(memoryStepSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(memory.replay()).toContain("Code:\nx = 1");
  });

  it("renders tool calls and errors for the next prompt", () => {
    const step: ActionStep = {
      type: "action",
      stepNumber: 2,
      timing: { startTime: 1 },
      toolCalls: [{ id: "c1", name: "search", arguments: { q: "x" } }],
      error: { type: "AgentToolCallError", kind: "user", message: "argument 'q' is bad" },
      isFinalAnswer: false,
    };
    const [assistant, error] = stepToMessages(step);
    expect(assistant!.content).toContain(
      'Calling tools:\n[{"id":"c1","name":"search","arguments":{"q":"x"}}]',
    );
    expect(error!.content).toContain("argument 'q' is bad");
  });
});
