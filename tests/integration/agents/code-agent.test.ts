import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { CodeAgent } from "~/agents/code-agent";
import { AgentCancelledError } from "~/agents/errors";
import { type RunEvent, runEventSchema } from "~/agents/events";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import type { ActionStep } from "~/agents/memory";
import { OpenAICompatibleModel } from "~/agents/models/openai-compatible-model";
import { ReplayModel } from "~/agents/models/replay-model";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";
import { transcriptFromEvents } from "~/agents/transcript";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/**
 * CodeAgent end to end: the real `openai` client against the scripted server, code actions in real
 * Pyodide (a warm pool shared by the file).
 */

let server: OpenAITestServer;
let pool: PyodidePool;
const agents: CodeAgent[] = [];

beforeAll(async () => {
  server = await startOpenAIServer();
  pool = new PyodidePool({ size: 2 });
  await pool.warm(2);
});
afterEach(async () => {
  server.reset();
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});
afterAll(async () => {
  await server.close();
  await pool.close();
});

const executor = (): Promise<PythonExecutor> => createExecutor({ kind: "pyodide" }, { pyodidePool: pool });
const model = (name = "gpt-test") =>
  new OpenAICompatibleModel({ model: name, baseUrl: server.url, retry: { baseDelayMs: 5 } });
const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
});
const code = (body: string, thought = "Thought: go") => `${thought}\n<code>\n${body}\n</code>`;

const add = defineTool({
  name: "add",
  description: "Add two integers",
  inputs: z.object({ a: z.number().int().describe("first"), b: z.number().int().describe("second") }),
  outputType: "integer",
  forward: ({ a, b }) => a + b,
});
const flaky = defineTool({
  name: "lookup",
  description: "Look a key up",
  inputs: z.object({ key: z.string() }),
  outputType: "string",
  forward: ({ key }) => {
    if (key === "bad") throw new Error("lookup service refused 'bad'");
    return `value-of-${key}`;
  },
});

function codeAgent(options: Partial<ConstructorParameters<typeof CodeAgent>[0]> = {}) {
  const agent = new CodeAgent({ model: model(), tools: [add, flaky], createExecutor: executor, ...options });
  agents.push(agent);
  return agent;
}

async function collect(run: AsyncIterable<RunEvent>) {
  const events: RunEvent[] = [];
  for await (const event of run) events.push(event);
  return events;
}

const actionSteps = (steps: { type: string }[]) => steps.filter((s): s is ActionStep => s.type === "action");

describe("CodeAgent", () => {
  it("recovers from a syntax error, a tool error and bad tool arguments, keeping state between steps", async () => {
    server.enqueue(
      code("total = add(a=2, b=3)\nprint('total', total)"),
      code("oops = (1,"),
      code("lookup(key='bad')"),
      code("add(a='two', b=3)"),
      code("final_answer(total * 10)"),
    );
    const result = await codeAgent().run("Compute", { returnFullResult: true });
    expect(result.state).toBe("success");
    expect(result.output).toBe(50);
    const steps = actionSteps(result.steps);
    expect(steps.map((s) => s.error?.type ?? null)).toEqual([
      null,
      "AgentExecutionError",
      "AgentExecutionError",
      "AgentExecutionError",
      null,
    ]);
    expect(steps[0]!.observations).toContain("total 5");
    expect(steps[1]!.error!.message).toMatch(/SyntaxError/);
    expect(steps[2]!.error!.message).toContain("lookup service refused 'bad'");
    expect(steps[3]!.error!.message).toMatch(/argument 'a'/);
    // The model saw each error as an observation in its next call.
    const fourth = JSON.stringify(server.requests[3]!.body.messages);
    expect(fourth).toContain("lookup service refused");
    expect(fourth).toContain("SyntaxError");
  });

  it("feeds a syntax error back with its line and a caret, and reports a last assignment's value, as smolagents does", async () => {
    server.enqueue(code("value = (1 +"), code("value = 2 * 21"), code("final_answer(value)"));
    const result = await codeAgent().run("Compute", { returnFullResult: true });
    expect(result.output).toBe(42);
    const steps = actionSteps(result.steps);
    expect(steps[0]!.error).toEqual({
      type: "AgentExecutionError",
      kind: "user",
      message:
        "Code parsing failed on line 1 due to: SyntaxError\nvalue = (1 +\n        ^\nError: '(' was never closed (<code>, line 1)",
    });
    // smolagents' LocalPythonExecutor returns the assigned value, not None.
    expect(steps[1]!.observations).toBe("Last output from code snippet:\n42");
    const second = server.requests[1]!.body.messages as { content: unknown }[];
    expect(JSON.stringify(second.at(-1))).toContain(
      "Error:\\nCode parsing failed on line 1 due to: SyntaxError\\nvalue = (1 +\\n        ^",
    );
    expect(JSON.stringify(server.requests[2]!.body.messages)).toContain(
      "Last output from code snippet:\\n42",
    );
  });

  it("rejects an answer a final-answer check fails and continues", async () => {
    server.enqueue(code("final_answer(3)"), code("final_answer(42)"));
    const mustBeEven = (answer: unknown) => typeof answer === "number" && answer % 2 === 0;
    const result = await codeAgent({ finalAnswerChecks: [mustBeEven] }).run("Even number", {
      returnFullResult: true,
    });
    expect(result.output).toBe(42);
    const steps = actionSteps(result.steps);
    expect(steps).toHaveLength(2);
    expect(steps[0]!.error?.message).toMatch(/Check mustBeEven failed/);
    expect(JSON.stringify(server.requests[1]!.body.messages)).toContain("Check mustBeEven failed");
  });

  it("stops at maxSteps and makes one last call for the best answer", async () => {
    server.enqueue(code("x = 1"), code("x += 1"), "My best answer is 2.");
    const result = await codeAgent({ maxSteps: 2 }).run("Count", { returnFullResult: true });
    expect(result.state).toBe("max_steps");
    expect(result.output).toBe("My best answer is 2.");
    // As smolagents records it: the best-answer call is step maxSteps + 1, carrying the error.
    const steps = actionSteps(result.steps);
    expect(steps).toHaveLength(3);
    expect(steps[2]).toMatchObject({
      stepNumber: 3,
      actionOutput: "My best answer is 2.",
      isFinalAnswer: false,
      error: { type: "AgentMaxStepsError" },
    });
    expect(steps[2]!.tokenUsage?.outputTokens).toBeGreaterThan(0);
    expect(result.errors.map((e) => e.type)).toContain("AgentMaxStepsError");
    expect(server.requests).toHaveLength(3);
    const last = server.requests[2]!.body as { messages: { content: string }[]; stop?: unknown };
    expect(last.stop).toBeUndefined();
    expect(JSON.stringify(last.messages)).toContain("got stuck");
  });

  it("plans before step 1 and then every planningInterval steps", async () => {
    server.enqueue(
      "1. facts\n2. plan A\n<end_plan>",
      code("a = 1"),
      code("b = 2"),
      "Updated plan B",
      code("c = 3"),
      code("d = 4"),
      "Updated plan C",
      code("final_answer(a + b + c + d)"),
    );
    const events = await collect(codeAgent({ planningInterval: 2 }).run("Sum", { stream: true }));
    const kinds = events
      .filter((e) => e.type === "plan" || e.type === "step_started")
      .map((e) =>
        e.type === "plan"
          ? `plan@${e.step.stepNumber}`
          : `step${e.type === "step_started" ? e.stepNumber : ""}`,
      );
    expect(kinds).toEqual(["plan@1", "step1", "step2", "plan@3", "step3", "step4", "plan@5", "step5"]);
    const finished = events.at(-1);
    expect(finished?.type === "run_finished" && finished.output).toBe(10);
    expect(server.requests[0]!.body.stop).toEqual(["<end_plan>"]);
  });

  it("runs a manager with two levels of managed agents and attributes tokens to each", async () => {
    const leaf = new ToolCallingAgent({
      model: model("leaf-model"),
      tools: [add],
      name: "calculator",
      description: "Adds numbers",
    });
    const middle = codeAgent({
      name: "analyst",
      description: "Analyses with a calculator",
      managedAgents: [leaf],
    });
    const manager = codeAgent({ name: "manager", managedAgents: [middle] });
    server.enqueue(
      { content: code("r = analyst(task='add 20 and 22')\nprint(r)"), usage: usage(100, 10) },
      { content: code("c = calculator(task='20+22')\nfinal_answer(c)"), usage: usage(200, 20) },
      { toolCalls: [{ name: "add", arguments: { a: 20, b: 22 } }], usage: usage(300, 30) },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "42" } }], usage: usage(400, 40) },
      { content: code("final_answer('the answer is 42')"), usage: usage(500, 50) },
    );
    const run = manager.run("What is 20 + 22?", { stream: true });
    const events = await collect(run);
    const result = await run.result;
    expect(result.output).toBe("the answer is 42");
    expect(result.tokenUsageByAgent).toEqual({
      manager: { inputTokens: 600, outputTokens: 60 },
      "manager/analyst": { inputTokens: 200, outputTokens: 20 },
      "manager/analyst/calculator": { inputTokens: 700, outputTokens: 70 },
    });
    expect(result.tokenUsage).toEqual({ inputTokens: 1500, outputTokens: 150 });
    const managerCall = events.find((e) => e.type === "tool_call" && e.agentPath.join("/") === "manager");
    expect(managerCall).toMatchObject({
      stepNumber: 1,
      toolCall: { id: "py_1_0", name: "analyst", arguments: { task: "add 20 and 22" } },
    });
    const paths = new Set(events.map((e) => e.agentPath.join("/")));
    expect(paths).toEqual(new Set(["manager", "manager/analyst", "manager/analyst/calculator"]));
    const analystFinished = events.find(
      (e) => e.type === "run_finished" && e.agentPath.join("/") === "manager/analyst",
    );
    expect(analystFinished?.tokenUsage).toEqual({ inputTokens: 900, outputTokens: 90 });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    for (const event of events) expect(runEventSchema.safeParse(event).success).toBe(true);
    const managerObservation = events.find((e) => e.type === "observation" && e.agentPath.length === 1);
    expect(managerObservation?.type === "observation" && managerObservation.observation).toContain(
      "Here is the final answer from your managed agent 'analyst'",
    );

    // The run exports as a transcript that re-runs the same tree offline with the same trace.
    const replay = new ReplayModel(transcriptFromEvents(events));
    const replayLeaf = new ToolCallingAgent({
      model: replay,
      tools: [add],
      name: "calculator",
      description: "Adds numbers",
    });
    // (on the local python3 executor, to spare this loaded machine two more Pyodide boots)
    const local = () => createExecutor({ kind: "local" }, { allowLocal: true });
    const replayMiddle = codeAgent({
      model: replay,
      name: "analyst",
      description: "Analyses",
      managedAgents: [replayLeaf],
      createExecutor: local,
    });
    const replayManager = codeAgent({
      model: replay,
      name: "manager",
      managedAgents: [replayMiddle],
      createExecutor: local,
    });
    const replayed = replayManager.run("What is 20 + 22?", { stream: true });
    const replayedEvents = await collect(replayed);
    const replayedResult = await replayed.result;
    expect(replayedResult.errors).toEqual([]);
    expect(replayedResult.output).toBe("the answer is 42");
    expect(replayedEvents.map((e) => `${e.agentPath.join("/")}:${e.type}`)).toEqual(
      events.map((e) => `${e.agentPath.join("/")}:${e.type}`),
    );
  });

  it("cancels within the current model call", async () => {
    server.enqueue(code("x = 1"), { content: code("final_answer(1)"), delayMs: 10_000 });
    const controller = new AbortController();
    let abortedAt = 0;
    const agent = codeAgent({
      stepCallbacks: [
        (step) =>
          void (
            step.type === "action" &&
            setTimeout(() => {
              abortedAt = Date.now();
              controller.abort();
            }, 150)
          ),
      ],
    });
    const result = await agent.run("slow", { returnFullResult: true, signal: controller.signal });
    expect(result.state).toBe("cancelled");
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(result.errors.at(-1)?.type).toBe("AgentCancelledError");
    await vi.waitFor(() => expect(server.aborted).toHaveLength(1), { timeout: 2_000 });
    await expect(codeAgent().run("x", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AgentCancelledError,
    );
  });

  it("cancels within the current code action", async () => {
    server.enqueue(code("x = 1"), code("while True:\n    sum(range(10**6))"));
    const controller = new AbortController();
    let abortedAt = 0;
    const agent = codeAgent({
      stepCallbacks: [
        (step) =>
          void (
            step.type === "action" &&
            step.stepNumber === 1 &&
            setTimeout(() => {
              abortedAt = Date.now();
              controller.abort();
            }, 500)
          ),
      ],
    });
    const run = agent.run("spin", { stream: true, signal: controller.signal });
    const events = await collect(run);
    const result = await run.result;
    expect(result.state).toBe("cancelled");
    expect(events.some((e) => e.type === "code_action" && e.code.includes("while True"))).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
  });

  it("continues a conversation with reset: false", async () => {
    server.enqueue(code("secret = 7\nfinal_answer('stored')"), code("final_answer(secret * 6)"));
    const agent = codeAgent();
    expect(await agent.run("Remember 7")).toBe("stored");
    expect(await agent.run("Multiply it by 6", { reset: false })).toBe(42);
    const second = JSON.stringify(server.requests[1]!.body.messages);
    expect(second).toContain("Remember 7");
    expect(second).toContain("Multiply it by 6");
    expect(agent.memory.steps.filter((s) => s.type === "task")).toHaveLength(2);
  });

  it("streams events in order, with model deltas before the model output", async () => {
    server.enqueue(code("print('hi')"), code("final_answer('done')"));
    const events = await collect(codeAgent({ streamOutputs: true }).run("Say hi", { stream: true }));
    const order = events
      .map((e) => e.type)
      .filter((t, i, all) => t !== "model_delta" || all[i - 1] !== "model_delta");
    expect(order).toEqual([
      "run_started",
      "step_started",
      "model_delta",
      "model_output",
      "code_action",
      "observation",
      "step_finished",
      "step_started",
      "model_delta",
      "model_output",
      "code_action",
      "observation",
      "step_finished",
      "final_answer",
      "run_finished",
    ]);
    const text = events
      .filter((e) => e.type === "model_delta")
      .map((e) => (e.type === "model_delta" ? e.text : ""));
    expect(text.join("")).toContain("print('hi')");
    expect(server.requests.every((r) => r.body.stream === true)).toBe(true);
  });

  it("validates structured output against outputSchema", async () => {
    server.enqueue(
      code("final_answer({'city': 'Paris'})"),
      code("final_answer({'city': 'Paris', 'population': 2100000})"),
    );
    const outputSchema = {
      type: "object",
      properties: { city: { type: "string" }, population: { type: "integer" } },
      required: ["city", "population"],
    };
    const result = await codeAgent({ outputSchema }).run("Capital of France", { returnFullResult: true });
    expect(result.output).toEqual({ city: "Paris", population: 2100000 });
    expect(actionSteps(result.steps)[0]!.error?.message).toMatch(/population/);
  });

  it("passes images in the task and additional args as variables", async () => {
    server.enqueue(code("final_answer(threshold + 1)"));
    const image = "data:image/png;base64,iVBORw0KGgo=";
    const result = await codeAgent().run("Look at this", {
      images: [image],
      additionalArgs: { threshold: 41 },
      returnFullResult: true,
    });
    expect(result.output).toBe(42);
    const messages = server.requests[0]!.body.messages as { role: string; content: unknown }[];
    expect(JSON.stringify(messages)).toContain(image);
    expect(JSON.stringify(messages)).toContain("threshold");
  });
});
