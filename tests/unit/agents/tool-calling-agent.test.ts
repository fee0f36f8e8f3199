import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type RunEvent, runEventSchema } from "~/agents/events";
import type { ActionStep } from "~/agents/memory";
import { ReplayModel } from "~/agents/models/replay-model";
import { parseToolCallFromText, ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const slowDouble = defineTool({
  name: "slow_double",
  description: "Doubles a number slowly",
  inputs: z.object({ n: z.number() }),
  outputType: "number",
  forward: async ({ n }) => {
    await sleep(200);
    return n * 2;
  },
});
const chart = defineTool({
  name: "chart",
  description: "Draws a chart",
  inputs: z.object({ title: z.string() }),
  outputType: "image",
  forward: () => ({ type: "image", image: "data:image/png;base64,AAAA" }),
});
const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });
const actions = (steps: { type: string }[]) => steps.filter((s): s is ActionStep => s.type === "action");

describe("ToolCallingAgent", () => {
  it("runs the calls of one answer in parallel and feeds every result back", async () => {
    const model = new ReplayModel([
      {
        tool_calls: [
          call("slow_double", { n: 1 }),
          call("slow_double", { n: 2 }),
          call("slow_double", { n: 3 }),
        ],
      },
      { tool_calls: [call("final_answer", { answer: "2, 4, 6" })] },
    ]);
    const agent = new ToolCallingAgent({ model, tools: [slowDouble] });
    const started = performance.now();
    const result = await agent.run("Double 1, 2, 3", { returnFullResult: true });
    const elapsed = performance.now() - started;
    expect(result.output).toBe("2, 4, 6");
    expect(elapsed).toBeLessThan(500);
    const first = actions(result.steps)[0]!;
    expect(first.observations).toContain("2");
    expect(first.observations).toContain("6");
    expect(first.toolCalls).toHaveLength(3);
  });

  it("turns unknown tools and bad arguments into errors the model sees, naming the argument", async () => {
    const model = new ReplayModel([
      { tool_calls: [call("triple", { n: 1 })] },
      { tool_calls: [call("slow_double", { n: "one" })] },
      { tool_calls: [call("slow_double", { m: 1 })] },
      { tool_calls: [call("slow_double", { n: 21 })] },
      { tool_calls: [call("final_answer", { answer: 42 })] },
    ]);
    const agent = new ToolCallingAgent({ model, tools: [slowDouble] });
    const result = await agent.run("Double 21", { returnFullResult: true });
    expect(result.output).toBe(42);
    const errors = actions(result.steps).map((s) => s.error);
    expect(errors[0]).toMatchObject({ type: "AgentToolCallError" });
    expect(errors[0]!.message).toMatch(/Unknown tool 'triple'/);
    expect(errors[1]!.message).toMatch(/argument 'n'/);
    expect(errors[2]!.message).toMatch(/unexpected argument 'm'/);
    expect(errors[3]).toBeUndefined();
    expect(
      agent.memory
        .toMessages()
        .map((m) => JSON.stringify(m.content))
        .join(),
    ).toContain("argument 'n'");
  });

  it("passes image results back to the model as images", async () => {
    const model = new ReplayModel([
      { tool_calls: [call("chart", { title: "sales" })] },
      { tool_calls: [call("final_answer", { answer: "drawn" })] },
    ]);
    const agent = new ToolCallingAgent({ model, tools: [chart] });
    const run = agent.run("Draw", { stream: true });
    const events: RunEvent[] = [];
    for await (const event of run) events.push(event);
    expect((await run.result).output).toBe("drawn");
    const messages = agent.memory.toMessages();
    const withImage = messages.find(
      (m) =>
        Array.isArray(m.content) &&
        m.content.some((part) => part.type === "image" && part.image.endsWith("AAAA")),
    );
    expect(withImage?.role).toBe("user");
    const observation = events.find((e) => e.type === "observation");
    expect(observation?.type === "observation" && observation.images).toEqual(["data:image/png;base64,AAAA"]);
  });

  it("reads a JSON tool call from text for models without native tool calls", async () => {
    const model = new ReplayModel([
      'Action:\n{"name": "slow_double", "arguments": {"n": 5}}',
      'Action:\n{"name": "final_answer", "arguments": {"answer": 10}}',
    ]);
    expect(await new ToolCallingAgent({ model, tools: [slowDouble] }).run("Double 5")).toBe(10);
    expect(parseToolCallFromText("no call here", 1)).toBeUndefined();
  });

  it("reports a parsing error when the model calls no tool", async () => {
    const model = new ReplayModel(["I just talk", { tool_calls: [call("final_answer", { answer: "ok" })] }]);
    const result = await new ToolCallingAgent({ model }).run("x", { returnFullResult: true });
    expect(actions(result.steps)[0]!.error?.type).toBe("AgentParsingError");
    expect(result.output).toBe("ok");
  });

  it("emits schema-valid events with strictly increasing sequence numbers", async () => {
    const model = new ReplayModel([
      { tool_calls: [call("slow_double", { n: 1 })] },
      { tool_calls: [call("final_answer", { answer: 2 })] },
    ]);
    const run = new ToolCallingAgent({ model, tools: [slowDouble], name: "doubler" }).run("x", {
      stream: true,
    });
    const events: RunEvent[] = [];
    for await (const event of run) events.push(event);
    for (const event of events)
      expect(runEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect(events.every((e) => e.agentPath.join() === "doubler")).toBe(true);
  });

  it("asks the user through a user_input_request event and waits for the reply", async () => {
    const { UserInputTool } = await import("~/agents/tools/user-input-tool");
    const model = new ReplayModel([
      { tool_calls: [call("user_input", { question: "Which colour?" })] },
      { tool_calls: [call("final_answer", { answer: "you said blue" })] },
    ]);
    const run = new ToolCallingAgent({ model, tools: [new UserInputTool()] }).run("Ask", { stream: true });
    for await (const event of run) {
      if (event.type === "user_input_request") {
        expect(event.question).toBe("Which colour?");
        expect(run.provideUserInput(event.requestId, "blue")).toBe(true);
      }
    }
    const result = await run.result;
    expect(result.output).toBe("you said blue");
    expect(actions(result.steps)[0]!.observations).toBe("blue");
  });

  it("cancels within a tool call that ignores the signal", async () => {
    const stuck = defineTool({
      name: "stuck",
      description: "Never returns",
      inputs: z.object({}),
      forward: () => new Promise(() => {}),
    });
    const model = new ReplayModel([{ tool_calls: [call("stuck", {})] }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await new ToolCallingAgent({ model, tools: [stuck] }).run("x", {
      returnFullResult: true,
      signal: controller.signal,
    });
    expect(result.state).toBe("cancelled");
  });
});
