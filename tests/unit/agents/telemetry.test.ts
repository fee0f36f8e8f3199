import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ReplayModel } from "~/agents/models/replay-model";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";

/**
 * The engine's spans seen through an in-memory exporter: a planning span, a failed step marked as
 * such while the run goes on, a failing tool's span, and text on spans only through traceContent.
 */
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const broken = defineTool({
  name: "broken",
  description: "Always fails",
  inputs: z.object({ word: z.string() }),
  outputType: "string",
  forward: () => {
    throw new Error("the tool is broken");
  },
});
const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

function agent() {
  return new ToolCallingAgent({
    name: "solver",
    model: new ReplayModel(
      [
        "Plan: try the tool.",
        { tool_calls: [call("broken", { word: "secret-word" })] },
        { tool_calls: [call("final_answer", { answer: "gave up" })] },
      ],
      { modelId: "replay:test" },
    ),
    tools: [broken],
    planningInterval: 10,
  });
}

describe("engine spans", () => {
  it("nest planning, steps, model calls and tools under invoke_agent, marking the failed step and tool", async () => {
    const result = await agent().run("Use the tool", { returnFullResult: true, runId: "run-1" });
    expect(result.state).toBe("success");
    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.filter((span) => span.name === name);
    const [root] = byName("invoke_agent solver");
    expect(root!.parentSpanContext).toBeUndefined();
    expect(root!.attributes).toMatchObject({
      "gen_ai.agent.name": "solver",
      "troupe.run.id": "run-1",
      "troupe.agent.state": "success",
    });
    const childrenOf = (parent: (typeof spans)[number]) =>
      spans
        .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
        .map((s) => s.name);
    expect(childrenOf(root!).sort()).toEqual(["planning 1", "step 1", "step 2"]);
    const [step1] = byName("step 1");
    expect(childrenOf(step1!).sort()).toEqual(["chat replay:test", "execute_tool broken"]);
    expect(step1!.status.code).toBe(SpanStatusCode.ERROR);
    expect(byName("execute_tool broken")[0]!.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: expect.stringContaining("the tool is broken"),
    });
    expect(byName("step 2")[0]!.status.code).toBe(SpanStatusCode.UNSET);
    for (const chat of byName("chat replay:test")) {
      expect(chat.attributes).toMatchObject({
        "gen_ai.provider.name": "replay",
        "gen_ai.request.model": "replay:test",
      });
      expect(chat.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    }
    const text = JSON.stringify(spans.map((span) => span.attributes));
    expect(text).not.toContain("secret-word");
    expect(text).not.toContain("Use the tool");
  });

  it("puts text on spans only through traceContent", async () => {
    await agent().run("Use the tool", {
      returnFullResult: true,
      traceContent: (text) => text.replaceAll("secret-word", "[secret WORD]"),
    });
    const spans = exporter.getFinishedSpans();
    const tool = spans.find((span) => span.name === "execute_tool broken")!;
    expect(tool.attributes["gen_ai.tool.call.arguments"]).toBe('{"word":"[secret WORD]"}');
    const chats = spans.filter((span) => span.name === "chat replay:test");
    expect(String(chats[0]!.attributes["gen_ai.input.messages"])).toContain("Use the tool");
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain("secret-word");
  });
});
