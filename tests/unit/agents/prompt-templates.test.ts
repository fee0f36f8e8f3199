import { describe, expect, it } from "vitest";
import { buildAgent } from "~/agents/build-agent";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import type { ChatMessage, Model } from "~/agents/models/model";
import type { AgentSpecInput } from "~/graph/agent-spec";
import { defaultPromptTemplate } from "~/graph/prompt-templates";

/** What each model was sent, per model id. */
function recorder() {
  const calls: { model: string; messages: ChatMessage[] }[] = [];
  const wrap = (inner: Model): Model => ({
    modelId: inner.modelId,
    generate(messages, options) {
      calls.push({ model: inner.modelId, messages: structuredClone(messages) });
      return inner.generate(messages, options);
    },
    generateStream(messages, options) {
      calls.push({ model: inner.modelId, messages: structuredClone(messages) });
      return inner.generateStream(messages, options);
    },
  });
  return { calls, wrap };
}

const text = (message: ChatMessage | undefined) =>
  typeof message?.content === "string" ? message.content : JSON.stringify(message?.content);

const noExecutor = async (): Promise<PythonExecutor> => {
  throw new Error("no sandbox in this test");
};

const spec: AgentSpecInput = {
  type: "toolCalling",
  name: "boss",
  description: "Runs things",
  maxSteps: 4,
  planningInterval: 1,
  model: {
    provider: "replay",
    model: "boss-model",
    transcript: [
      "first plan",
      { tool_calls: [{ name: "helper", arguments: { task: "add 2 and 3" } }] },
      "updated plan",
      { tool_calls: [{ name: "final_answer", arguments: { answer: "done" } }] },
    ],
  },
  promptTemplates: {
    system_prompt: "BOSS SYSTEM. Tools:\n{{tools}}\nTeam:{{managedAgents}}",
    planning: {
      initial_plan: "PLAN FOR {{task}}",
      update_plan_pre_messages: "PRE-UPDATE {{task}}",
      update_plan_post_messages: "POST-UPDATE step {{stepNumber}} of {{maxSteps}}, {{remainingSteps}} left",
    },
  },
  managedAgents: [
    {
      type: "toolCalling",
      name: "helper",
      description: "Adds",
      maxSteps: 1,
      model: { provider: "replay", model: "helper-model", transcript: ["no tool call here", "it is 5"] },
      promptTemplates: {
        managed_agent: { task: "HELPER {{name}} MUST {{task}}", report: "REPORT[{{name}}] {{finalAnswer}}" },
        final_answer: { pre_messages: "STUCK-PRE", post_messages: "STUCK-POST {{task}}" },
      },
    },
  ],
};

describe("prompt-template overrides", () => {
  it("reach the model's messages in place of the defaults", async () => {
    const { calls, wrap } = recorder();
    const agent = await buildAgent(spec, {
      resolveSecret: async () => undefined,
      createExecutor: noExecutor,
      wrapModel: wrap,
    });
    const result = await agent.run("the big task", { returnFullResult: true });
    expect(result.output).toBe("done");
    const boss = calls.filter((c) => c.model === "replay:boss-model");
    const helper = calls.filter((c) => c.model === "replay:helper-model");
    // Initial plan: the override alone, as a user message.
    expect(boss[0]!.messages).toEqual([{ role: "user", content: "PLAN FOR the big task" }]);
    // Action steps open with the overridden system prompt, tools and managed agents rendered in.
    expect(text(boss[1]!.messages[0])).toMatch(/^BOSS SYSTEM\. Tools:\n- final_answer: /);
    expect(text(boss[1]!.messages[0])).toContain("- helper: Adds");
    // Plan update: pre message first (system), post message last (user), with the step numbers.
    expect(boss[2]!.messages[0]).toEqual({ role: "system", content: "PRE-UPDATE the big task" });
    expect(boss[2]!.messages.at(-1)).toEqual({ role: "user", content: "POST-UPDATE step 2 of 4, 2 left" });
    // The helper got the task through its own managed_agent.task template…
    expect(JSON.stringify(helper[0]!.messages)).toContain("HELPER helper MUST add 2 and 3");
    expect(JSON.stringify(helper[0]!.messages)).not.toContain(
      defaultPromptTemplate("toolCalling", "managed_agent.task").slice(0, 30),
    );
    // …ran out of steps and answered through the final_answer templates…
    expect(helper[1]!.messages[0]).toEqual({ role: "system", content: "STUCK-PRE" });
    expect(text(helper[1]!.messages.at(-1))).toBe("STUCK-POST HELPER helper MUST add 2 and 3");
    // …and the manager read its answer through the report template.
    expect(JSON.stringify(boss[2]!.messages)).toContain("REPORT[helper] it is 5");
  });

  it("refuses a placeholder the engine does not fill, naming the agent, template and placeholder", async () => {
    const bad: AgentSpecInput = { ...spec, promptTemplates: { planning: { initial_plan: "Plan {{goal}}" } } };
    await expect(
      buildAgent(bad, { resolveSecret: async () => undefined, createExecutor: noExecutor }),
    ).rejects.toThrow(
      "Agent 'boss': Prompt template planning.initial_plan: unknown placeholder {{goal}}; it may use {{task}}, {{tools}}, {{managedAgents}}",
    );
  });

  it("are strict about their keys in agent files", async () => {
    const typo = {
      ...spec,
      promptTemplates: { planning: { initialPlan: "x" } },
    } as unknown as AgentSpecInput;
    await expect(
      buildAgent(typo, { resolveSecret: async () => undefined, createExecutor: noExecutor }),
    ).rejects.toThrow(/initialPlan/);
  });
});
