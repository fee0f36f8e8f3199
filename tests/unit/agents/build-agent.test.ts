import { describe, expect, it } from "vitest";
import { type BuildAgentDeps, buildAgent } from "~/agents/build-agent";
import { CodeAgent } from "~/agents/code-agent";
import { AgentConfigError } from "~/agents/errors";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import type { AgentSpecInput } from "~/graph/agent-spec";

const noExecutor = async (): Promise<PythonExecutor> => {
  throw new Error("no sandbox in this test");
};
const deps = (secrets: Record<string, string> = {}): BuildAgentDeps => ({
  resolveSecret: async (name) => (Object.hasOwn(secrets, name) ? { value: secrets[name]! } : undefined),
  createExecutor: noExecutor,
});

const leaf: AgentSpecInput = {
  type: "code",
  name: "coder",
  description: "Writes code",
  model: { provider: "replay", transcript: [] },
  tools: [
    {
      kind: "python",
      name: "double",
      source: 'def double(x: int) -> int:\n    """Double x."""\n    return 2 * x',
    },
  ],
};

describe("buildAgent", () => {
  it("builds a tree from a spec with tools, prompts and managed agents", async () => {
    const agent = await buildAgent(
      {
        type: "toolCalling",
        name: "boss",
        instructions: "Always answer in French.",
        model: {
          provider: "openai",
          model: "gpt-x",
          apiKeySecret: "TEAM_OPENAI",
          baseUrl: "http://127.0.0.1:9/v1",
        },
        tools: [
          { kind: "builtin", name: "web_search" },
          { kind: "builtin", name: "user_input" },
          {
            kind: "http",
            name: "get_item",
            url: "http://127.0.0.1:9/items/{id}",
            inputs: { id: { type: "integer", description: "id" } },
            secretHeaders: { authorization: "ITEM_TOKEN" },
          },
        ],
        managedAgents: [leaf],
        maxSteps: 7,
        planningInterval: 3,
      },
      deps({ TEAM_OPENAI: "sk-1", ITEM_TOKEN: "Bearer t" }),
    );
    expect(agent).toBeInstanceOf(ToolCallingAgent);
    expect(agent.maxSteps).toBe(7);
    expect(agent.planningInterval).toBe(3);
    expect([...agent.tools.keys()].sort()).toEqual(["final_answer", "get_item", "user_input", "web_search"]);
    expect(agent.systemPrompt).toContain("Always answer in French.");
    expect(agent.systemPrompt).toContain("coder: Writes code");
    const coder = agent.managedAgents.get("coder");
    expect(coder).toBeInstanceOf(CodeAgent);
    expect(coder!.systemPrompt).toContain('def double(x):\n    """Double x."""');
  });

  it("adds base tools on request", async () => {
    const agent = await buildAgent({ ...leaf, type: "toolCalling", tools: [], addBaseTools: true }, deps());
    expect([...agent.tools.keys()].sort()).toEqual([
      "final_answer",
      "python_interpreter",
      "visit_webpage",
      "web_search",
    ]);
  });

  it("refuses missing secrets, an MCP server at a refused address and invalid specs with clear errors", async () => {
    const missing = buildAgent(
      { ...leaf, model: { provider: "openai", model: "m", apiKeySecret: "NOPE" } },
      deps(),
    );
    await expect(missing).rejects.toThrow(/Secret 'NOPE' is not set/);
    const mcp = buildAgent(
      { ...leaf, tools: [{ kind: "mcp", name: "srv", url: "http://127.0.0.1:9/mcp" }] },
      deps(),
    );
    await expect(mcp).rejects.toBeInstanceOf(AgentConfigError);
    await expect(mcp).rejects.toThrow(
      /MCP server 'srv': could not connect to http:\/\/127\.0\.0\.1:9\/mcp: /,
    );
    await expect(buildAgent({ ...leaf, name: "bad name" }, deps())).rejects.toThrow(
      /Invalid agent spec: name/,
    );
  });

  it("refuses two tools or agents with the same name", async () => {
    const spec: AgentSpecInput = {
      ...leaf,
      name: "boss",
      type: "toolCalling",
      tools: [],
      managedAgents: [leaf, leaf],
    };
    await expect(buildAgent(spec, deps())).rejects.toThrow(/used twice/);
  });

  it("refuses an agent that manages itself further down", async () => {
    const spec: AgentSpecInput = {
      ...leaf,
      name: "boss",
      managedAgents: [{ ...leaf, managedAgents: [{ ...leaf, name: "boss" }] }],
    };
    await expect(buildAgent(spec, deps())).rejects.toThrow(/boss → coder → boss/);
  });

  it("builds the documented example agent", async () => {
    const { readFileSync } = await import("node:fs");
    const spec = JSON.parse(readFileSync("tests/fixtures/agents/research-team.json", "utf8"));
    const agent = await buildAgent(spec, deps());
    expect(agent.name).toBe("manager");
    expect([...agent.managedAgents.keys()]).toEqual(["calculator"]);
  });
});
