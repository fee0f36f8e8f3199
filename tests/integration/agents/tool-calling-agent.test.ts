import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunEvent } from "~/agents/events";
import type { ActionStep } from "~/agents/memory";
import { OpenAICompatibleModel } from "~/agents/models/openai-compatible-model";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/** ToolCallingAgent through the real `openai` client against the scripted server. */

let server: OpenAITestServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const model = () =>
  new OpenAICompatibleModel({ model: "tc-model", baseUrl: server.url, retry: { baseDelayMs: 10 } });
const started: number[] = [];
const price = defineTool({
  name: "get_price",
  description: "Price of a product",
  inputs: z.object({ product: z.string().describe("product name") }),
  outputType: "number",
  forward: async ({ product }) => {
    started.push(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 150));
    return product === "apple" ? 2 : 3;
  },
});

async function collect(run: AsyncIterable<RunEvent>) {
  const events: RunEvent[] = [];
  for await (const event of run) events.push(event);
  return events;
}

describe("ToolCallingAgent over the OpenAI protocol", () => {
  it("streams native parallel tool calls, runs them concurrently and sends tool schemas", async () => {
    server.enqueue(
      {
        content: "Fetching both prices.",
        toolCalls: [
          { name: "get_price", arguments: { product: "apple" } },
          { name: "get_price", arguments: { product: "pear" } },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 5 },
      },
      {
        toolCalls: [{ name: "final_answer", arguments: { answer: "5" } }],
        usage: { prompt_tokens: 80, completion_tokens: 4 },
      },
    );
    started.length = 0;
    const agent = new ToolCallingAgent({ model: model(), tools: [price], streamOutputs: true });
    const run = agent.run("Total price of an apple and a pear?", { stream: true });
    const events = await collect(run);
    const result = await run.result;
    expect(result.output).toBe("5");
    expect(result.tokenUsage).toEqual({ inputTokens: 130, outputTokens: 9 });
    expect(Math.abs(started[0]! - started[1]!)).toBeLessThan(100);
    expect(events.filter((e) => e.type === "tool_call")).toHaveLength(3);
    expect(
      events.filter((e) => e.type === "observation").map((e) => e.type === "observation" && e.toolCallId),
    ).toEqual([expect.stringMatching(/^call_/), expect.stringMatching(/^call_/)]);
    const deltas = events
      .filter((e) => e.type === "model_delta")
      .map((e) => (e.type === "model_delta" ? e.text : ""));
    expect(deltas.join("")).toBe("Fetching both prices.");
    const body = server.requests[0]!.body as {
      tools: { function: { name: string } }[];
      tool_choice: string;
      stream: boolean;
    };
    expect(body.tools.map((t) => t.function.name).sort()).toEqual(["final_answer", "get_price"]);
    expect(body.tool_choice).toBe("required");
    expect(body.stream).toBe(true);
    const second = JSON.stringify(server.requests[1]!.body);
    expect(second).toContain("Calling tools:");
    expect(second).toContain("Observation:");
  });

  it("shows provider retries in the trace and ends with state error when the model keeps failing", async () => {
    server.enqueue(
      { status: 429, headers: { "retry-after": "0.05" } },
      {
        toolCalls: [{ name: "final_answer", arguments: { answer: "ok" } }],
      },
    );
    const events = await collect(new ToolCallingAgent({ model: model() }).run("x", { stream: true }));
    const retry = events.find((e) => e.type === "model_retry");
    expect(retry).toMatchObject({ attempt: 1, status: 429, delayMs: 50 });
    expect(events.at(-1)).toMatchObject({ type: "run_finished", state: "success", output: "ok" });

    server.reset();
    server.fallback = { status: 500 };
    const failing = new ToolCallingAgent({
      model: new OpenAICompatibleModel({
        model: "m",
        baseUrl: server.url,
        retry: { baseDelayMs: 1, maxRetries: 1 },
      }),
    });
    const result = await failing.run("x", { returnFullResult: true });
    server.fallback = undefined;
    expect(result.state).toBe("error");
    expect(result.errors.at(-1)).toMatchObject({ type: "AgentGenerationError", kind: "operational" });
    await expect(failing.run("x")).rejects.toMatchObject({ type: "AgentGenerationError" });
  });

  it("validates structured output given through final_answer and plans with a tool-calling model", async () => {
    server.enqueue(
      "Plan: 1. get price 2. answer\n<end_plan>",
      { toolCalls: [{ name: "final_answer", arguments: { answer: { product: "apple" } } }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: { product: "apple", price: 2 } } }] },
    );
    const outputSchema = {
      type: "object",
      properties: { product: { type: "string" }, price: { type: "number" } },
      required: ["product", "price"],
    };
    const agent = new ToolCallingAgent({ model: model(), tools: [price], outputSchema, planningInterval: 5 });
    const result = await agent.run("Apple price as JSON", { returnFullResult: true });
    expect(result.output).toEqual({ product: "apple", price: 2 });
    expect(result.steps.map((s) => s.type)).toEqual(["task", "planning", "action", "action", "final_answer"]);
    expect((result.steps[2] as ActionStep).error?.message).toMatch(/price/);
    const finalTool = (
      server.requests[1]!.body.tools as { function: { name: string; parameters: unknown } }[]
    ).find((t) => t.function.name === "final_answer");
    expect(JSON.stringify(finalTool?.function.parameters)).toContain('"required":["product","price"]');
  });
});
