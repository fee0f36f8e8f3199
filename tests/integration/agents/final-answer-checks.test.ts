import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "~/agents/build-agent";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { ActionStep } from "~/agents/memory";
import type { ChatMessage, Model } from "~/agents/models/model";
import type { MultiStepAgent } from "~/agents/multi-step-agent";
import type { AgentSpecInput } from "~/graph/agent-spec";

/**
 * Final-answer checks from an agent spec, end to end: the spec's Python checks run in a real
 * Pyodide sandbox, its JSON-Schema checks in the host, and the model (a replay transcript) reads
 * each rejection before answering again.
 */

let pool: PyodidePool;
const agents: MultiStepAgent[] = [];
beforeAll(async () => {
  pool = new PyodidePool({ size: 2 });
  await pool.warm(1);
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});
afterAll(async () => {
  await pool.close();
});

/** Builds the spec's agent with Pyodide sandboxes, keeping every message list the model is sent. */
async function build(spec: AgentSpecInput) {
  const seen: ChatMessage[][] = [];
  const agent = await buildAgent(spec, {
    resolveSecret: async () => undefined,
    createExecutor: (executorSpec, options) =>
      createExecutor(executorSpec, { ...options, pyodidePool: pool }),
    wrapModel: (model): Model => ({
      modelId: model.modelId,
      generate: (messages, options) => {
        seen.push(messages);
        return model.generate(messages, options);
      },
      generateStream: (messages, options) => {
        seen.push(messages);
        return model.generateStream(messages, options);
      },
    }),
  });
  agents.push(agent);
  return { agent, seen };
}

const code = (body: string) => `Thought: answer\n<code>\n${body}\n</code>`;
const lastText = (messages: ChatMessage[]) => {
  const content = messages.at(-1)?.content;
  return typeof content === "string" ? content : JSON.stringify(content);
};

describe("final-answer checks", () => {
  it("rejects answers as smolagents' final_answer_checks do (the error goes to the model, the run goes on) until one passes", async () => {
    const { agent, seen } = await build({
      type: "code",
      name: "picker",
      model: {
        provider: "replay",
        transcript: [
          code("final_answer(-3)"),
          code("final_answer(2.5)"),
          code("final_answer('seven')"),
          code("final_answer(4)"),
        ],
      },
      finalAnswerChecks: [
        {
          kind: "python",
          name: "is_positive",
          // smolagents' signature: the answer and the agent's memory (steps read as attributes).
          source:
            "def is_positive(answer, memory) -> bool:\n" +
            "    assert memory.steps[0].task.startswith('Pick'), 'the task is the first step'\n" +
            "    return answer > 0\n",
        },
        { kind: "jsonSchema", name: "is_integer", schema: { type: "integer" } },
      ],
    });
    const result = await agent.run("Pick a positive whole number", { returnFullResult: true });
    expect(result.state).toBe("success");
    expect(result.output).toBe(4);
    const steps = result.steps.filter((step): step is ActionStep => step.type === "action");
    expect(steps.map((step) => step.error?.message ?? null)).toEqual([
      "Check is_positive failed",
      "Check is_integer failed with error: the answer does not match the JSON Schema: (answer): Invalid input: expected int, received number",
      "Check is_positive failed with error: TypeError: '>' not supported between instances of 'str' and 'int'",
      null,
    ]);
    expect(steps.slice(0, 3).every((step) => !step.isFinalAnswer && step.error?.type === "AgentError")).toBe(
      true,
    );
    // Each rejection is what the model reads next, as smolagents renders a step's error.
    expect(seen).toHaveLength(4);
    expect(lastText(seen[1]!)).toMatch(/^Error:\nCheck is_positive failed\nNow let's retry/);
    expect(lastText(seen[2]!)).toContain("Check is_integer failed with error");
    expect(lastText(seen[3]!)).toContain("TypeError");
  });

  it("fails the run, rather than blaming the model, when the checks' sandbox cannot start", async () => {
    const agent = await buildAgent(
      {
        type: "toolCalling",
        name: "answerer",
        model: {
          provider: "replay",
          transcript: [{ tool_calls: [{ name: "final_answer", arguments: { answer: "yes" } }] }],
        },
        finalAnswerChecks: [
          {
            kind: "python",
            name: "non_empty",
            source: "def non_empty(answer, memory):\n    return bool(answer)\n",
          },
        ],
      },
      {
        resolveSecret: async () => undefined,
        createExecutor: async () => {
          throw new Error("no sandbox available");
        },
      },
    );
    agents.push(agent);
    const result = await agent.run("Answer", { returnFullResult: true });
    expect(result.state).toBe("error");
    expect(result.errors.at(-1)).toMatchObject({
      kind: "unexpected",
      message: "Final-answer check non_empty: no sandbox available",
    });
  });
});
