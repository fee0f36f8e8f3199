import { describe, expect, it } from "vitest";
import {
  memoryFromConversation,
  parseMemorySnapshot,
  restoreMemory,
  snapshotBytes,
  snapshotMemory,
} from "~/agents/memory-snapshot";
import type {
  ChatMessage,
  GenerateOptions,
  Model,
  ModelOutput,
  ModelStreamEvent,
} from "~/agents/models/model";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";

/** A model that answers `answers` in turn through final_answer and keeps every prompt it was sent. */
class RecordingModel implements Model {
  readonly modelId = "recording";
  readonly prompts: ChatMessage[][] = [];
  constructor(private readonly answers: string[]) {}
  async generate(messages: ChatMessage[], _options?: GenerateOptions): Promise<ModelOutput> {
    this.prompts.push(structuredClone(messages));
    const answer = this.answers.shift() ?? "no more answers";
    return {
      content: "",
      toolCalls: [{ id: `call_${this.prompts.length}`, name: "final_answer", arguments: { answer } }],
      tokenUsage: { inputTokens: 1, outputTokens: 1 },
      durationMs: 0,
    };
  }
  async *generateStream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ModelStreamEvent> {
    yield { type: "done", output: await this.generate(messages, options) };
  }
}

const textOf = (messages: ChatMessage[]) =>
  messages
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.map((p) => (p.type === "text" ? p.text : "")).join(""),
    )
    .join("\n---\n");

describe("memory snapshots", () => {
  it("round-trips a run's memory through JSON, and the next task continues it (reset: false)", async () => {
    const first = new ToolCallingAgent({ model: new RecordingModel(["Paris"]), name: "guide" });
    await first.run("What is the capital of France?", { images: ["https://example.com/map.png"] });
    const snapshot = snapshotMemory(first.memory, first.name);
    const stored = JSON.parse(JSON.stringify(snapshot));
    const parsed = parseMemorySnapshot(stored);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.snapshot).toEqual(snapshot);
    expect(parsed.snapshot.steps.map((step) => step.type)).toEqual(["task", "action", "final_answer"]);
    expect(snapshotBytes(parsed.snapshot)).toBe(new TextEncoder().encode(JSON.stringify(stored)).length);

    // Another agent instance (another process in the worker): the memory comes from the snapshot.
    const model = new RecordingModel(["About 2.1 million"]);
    const second = new ToolCallingAgent({ model, name: "guide" });
    second.memory = restoreMemory(parsed.snapshot);
    const answer = await second.run("And its population?", { reset: false });
    expect(answer).toBe("About 2.1 million");
    const prompt = model.prompts[0]!;
    expect(prompt[0]!.role).toBe("system");
    const seen = textOf(prompt);
    expect(seen).toContain("New task:\nWhat is the capital of France?");
    expect(seen).toContain('"answer":"Paris"');
    expect(seen.indexOf("capital of France")).toBeLessThan(seen.indexOf("And its population?"));
    // The image given with the first task is still an image part of the first user message.
    expect(prompt[1]!.content).toContainEqual({ type: "image", image: "https://example.com/map.png" });
    expect(second.memory.steps.filter((step) => step.type === "task")).toHaveLength(2);
    // The snapshot was copied: running on did not change it.
    expect(parsed.snapshot.steps).toHaveLength(3);
  });

  it("drops recorded model inputs, which would repeat the whole memory in every step", async () => {
    const agent = new ToolCallingAgent({ model: new RecordingModel(["42"]), recordModelInputs: true });
    await agent.run("The answer?");
    const action = agent.memory.steps.find((step) => step.type === "action");
    expect(action && "modelInputMessages" in action && action.modelInputMessages?.length).toBeTruthy();
    const snapshot = snapshotMemory(agent.memory, agent.name);
    expect(JSON.stringify(snapshot)).not.toContain("modelInputMessages");
    expect(agent.memory.steps.find((step) => step.type === "action")).toHaveProperty("modelInputMessages");
  });

  it("refuses what is not a snapshot, naming where", () => {
    expect(parseMemorySnapshot(null)).toMatchObject({ ok: false });
    const wrongVersion = parseMemorySnapshot({ version: 2, agent: "a", steps: [] });
    expect(wrongVersion).toMatchObject({ ok: false, message: expect.stringContaining("version") });
    const badStep = parseMemorySnapshot({ version: 1, agent: "a", steps: [{ type: "task" }] });
    expect(badStep).toMatchObject({ ok: false, message: expect.stringContaining("steps.0") });
  });

  it("seeds the memory from a conversation: tasks with their images, and the answers given", async () => {
    const memory = memoryFromConversation([
      { role: "user", content: "Describe this picture.", images: ["data:image/png;base64,AAAA"] },
      { role: "assistant", content: "A red square." },
      { role: "user", content: "Is it large?" },
      { role: "assistant", content: "No, 2 by 2 pixels." },
    ]);
    expect(memory.steps.map((step) => step.type)).toEqual([
      "task",
      "action",
      "final_answer",
      "task",
      "action",
      "final_answer",
    ]);
    const model = new RecordingModel(["Red."]);
    const agent = new ToolCallingAgent({ model });
    agent.memory = memory;
    await agent.run("What colour was it?", { reset: false });
    const prompt = model.prompts[0]!;
    expect(prompt.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(prompt[1]!.content).toEqual([
      { type: "text", text: "New task:\nDescribe this picture." },
      { type: "image", image: "data:image/png;base64,AAAA" },
    ]);
    expect(prompt[2]!.content).toBe("A red square.");
    expect(prompt[4]!.content).toBe("No, 2 by 2 pixels.");
    expect(prompt[5]!.content).toBe("New task:\nWhat colour was it?");
    const snapshot = snapshotMemory(agent.memory, agent.name);
    expect(parseMemorySnapshot(snapshot).ok).toBe(true);
  });
});
