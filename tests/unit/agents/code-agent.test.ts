import { describe, expect, it } from "vitest";
import { CodeAgent } from "~/agents/code-agent";
import { AgentParsingError } from "~/agents/errors";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import { ReplayModel } from "~/agents/models/replay-model";

/** Parts of CodeAgent that need no sandbox (the loop with real sandboxes is in tests/integration/agents). */

const closed: string[] = [];
/** A do-nothing executor double, only to observe what the agent asks of it. */
const fakeExecutor = (kind: PythonExecutor["kind"]): PythonExecutor => ({
  kind,
  setTools: async () => {},
  definePythonTools: async () => {},
  setVariables: async () => {},
  run: async () => ({ output: null, logs: "", isFinalAnswer: false, error: null, durationMs: 0 }),
  close: async () => void closed.push(kind),
});

describe("CodeAgent", () => {
  const agent = new CodeAgent({
    model: new ReplayModel([]),
    createExecutor: async () => fakeExecutor("pyodide"),
  });

  it("extracts code between code tags, from Markdown fences, or explains the expected format", () => {
    expect(agent.parseCode("Thought: x\n<code>\na = 1\n</code>\nmore\n<code>\nb = 2\n</code>")).toBe(
      "a = 1\n\nb = 2",
    );
    expect(agent.parseCode("Thought: x\n<code>\na = 1\n")).toBe("a = 1");
    expect(agent.parseCode("Thought:\n```python\nprint(1)\n```")).toBe("print(1)");
    expect(() => agent.parseCode("I will not write code")).toThrow(AgentParsingError);
    expect(() => agent.parseCode("I will not write code")).toThrow(
      /<code>\n# Your python code here\n<\/code>/,
    );
  });

  it("accepts custom code tags", () => {
    const fenced = new CodeAgent({
      model: new ReplayModel([]),
      createExecutor: async () => fakeExecutor("pyodide"),
      codeBlockTags: ["```py", "```"],
    });
    expect(fenced.parseCode("Thought\n```py\nx = 3\n```")).toBe("x = 3");
    expect(fenced.systemPrompt).toContain("opened with '```py', and closed with '```'");
  });

  it("renders tools, managed agents, imports and instructions into the system prompt", () => {
    const helper = new CodeAgent({
      model: new ReplayModel([]),
      createExecutor: async () => fakeExecutor("pyodide"),
      name: "helper",
      description: "Helps with things",
    });
    const manager = new CodeAgent({
      model: new ReplayModel([]),
      createExecutor: async () => fakeExecutor("pyodide"),
      managedAgents: [helper],
      additionalAuthorizedImports: ["json"],
      instructions: "Answer in haiku.",
    });
    expect(manager.systemPrompt).toContain("def final_answer(answer: Any) -> Any:");
    expect(manager.systemPrompt).toContain(
      "def helper(task: str, additional_args: dict | None = None) -> str:",
    );
    expect(manager.systemPrompt).toContain("'json'");
    expect(manager.systemPrompt).toContain("Answer in haiku.");
  });

  it("refuses to authorize every import on the unsandboxed local executor", async () => {
    const risky = new CodeAgent({
      model: new ReplayModel(["<code>\nimport os\n</code>"]),
      createExecutor: async () => fakeExecutor("local"),
      additionalAuthorizedImports: ["*"],
    });
    const result = await risky.run("x", { returnFullResult: true });
    expect(result.state).toBe("error");
    expect(result.errors.at(-1)).toMatchObject({ type: "AgentConfigError" });
    expect(closed).toContain("local");
  });
});
