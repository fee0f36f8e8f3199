import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  type AgentSpec,
  agentSpecSchema,
  compile,
  edgeOfKind,
  exportWorkflow,
  parseWorkflowFile,
  validate,
  type WorkflowDocument,
} from "~/graph";
import {
  exportSmolagentsFolder,
  exportWorkflowAgent,
  importSmolagentsFolder,
  importSmolagentsZip,
  parseToolFile,
  unzipSmolagentsFolder,
} from "~/graph/smolagents";

const fixtureDir = join(import.meta.dirname, "../../fixtures/smolagents-saved-agent");

/** The fixture's files (path → text), its README left out (it describes the fixture, it is not part of a save). */
function fixtureFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(fixtureDir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(fixtureDir);
  delete out["README.md"];
  return out;
}

const addSource = `def add(a: int, b: int) -> int:
    """Adds two integers.

    Args:
        a: first integer
        b: second integer
    """
    return a + b
`;

/** The agent the fixture was saved from, as a Troupe spec. */
const fixtureLikeSpec: AgentSpec = agentSpecSchema.parse({
  type: "code",
  name: "manager",
  description: "Plans and delegates.",
  model: { provider: "hf", model: "Qwen/Qwen2.5-Coder-32B-Instruct" },
  tools: [{ kind: "python", name: "add", description: "Adds two integers.", source: addSource }],
  maxSteps: 6,
  planningInterval: 3,
  additionalAuthorizedImports: ["statistics"],
  managedAgents: [
    {
      type: "toolCalling",
      name: "helper",
      description: "Adds numbers when asked.",
      model: { provider: "hf", model: "Qwen/Qwen2.5-Coder-32B-Instruct" },
      tools: [{ kind: "python", name: "add", description: "Adds two integers.", source: addSource }],
      maxSteps: 4,
    },
  ],
});

/** Keys of a JSON value, recursively (structure without the values). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return "array";
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? "null" : typeof value;
}

describe("smolagents folder export", () => {
  it("writes the files smolagents' save() writes, with final_answer.py at every level", () => {
    const { files } = exportSmolagentsFolder(fixtureLikeSpec);
    const expected = [
      ...Object.keys(fixtureFiles()),
      // Left out of the fixture (smolagents' own class), written in every save.
      "tools/final_answer.py",
      "managed_agents/helper/tools/final_answer.py",
    ].sort();
    expect(Object.keys(files).sort()).toEqual(expected);
  });

  it("writes agent.json with the fixture's keys, in its order, at every level", () => {
    const { files } = exportSmolagentsFolder(fixtureLikeSpec);
    const fixture = fixtureFiles();
    for (const path of ["agent.json", "managed_agents/helper/agent.json"]) {
      const ours = JSON.parse(files[path]!);
      const theirs = JSON.parse(fixture[path]!);
      expect(Object.keys(ours), path).toEqual(Object.keys(theirs));
      expect(shape(ours), path).toEqual(shape(theirs));
      // Values that are not prompt text match too.
      const { prompt_templates: _ours, ...oursRest } = ours;
      const { prompt_templates: _theirs, ...theirsRest } = theirs;
      expect(oursRest, path).toEqual(theirsRest);
    }
    const yamlShape = shape(parseYaml(files["prompts.yaml"]!));
    expect(yamlShape).toEqual(shape(parseYaml(fixture["prompts.yaml"]!)));
    expect(files["requirements.txt"]).toBe(fixture["requirements.txt"]);
  });

  it("writes a Python tool as a Tool subclass with name, description, inputs, output_type and forward", () => {
    const { files } = exportSmolagentsFolder(fixtureLikeSpec);
    const tool = files["tools/add.py"]!;
    expect(tool).toContain("from smolagents import Tool");
    expect(tool).toMatch(/^class AddTool\(Tool\):$/m);
    expect(tool).toContain('    name = "add"');
    expect(tool).toContain("    description = 'Adds two integers.'");
    expect(tool).toContain(
      "    inputs = {'a': {'type': 'integer', 'description': 'first integer'}, 'b': {'type': 'integer', 'description': 'second integer'}}",
    );
    expect(tool).toContain('    output_type = "integer"');
    expect(tool).toContain("    def forward(self, a: int, b: int) -> int:\n        return add(a=a, b=b)");
    expect(files["tools/final_answer.py"]).toContain("class FinalAnswerTool(default_tools.FinalAnswerTool):");
  });

  it("writes the engine's default templates as Jinja over smolagents' variables", () => {
    const { files } = exportSmolagentsFolder(fixtureLikeSpec);
    const agent = JSON.parse(files["agent.json"]!);
    const system: string = agent.prompt_templates.system_prompt;
    expect(system).toContain("{% for tool in tools.values() %}{{ tool.to_code_prompt() }}");
    expect(system).toContain("{{ code_block_opening_tag }}");
    expect(system).toContain("{{ authorized_imports }}");
    expect(system).not.toMatch(/\{\{(tools|codeOpen|managedAgents)\}\}/);
    expect(agent.prompt_templates.managed_agent.report).toContain("{{ final_answer }}");
    expect(agent.prompt_templates.planning.update_plan_post_messages).toContain("{{ 6 - remaining_steps }}");
    const helper = JSON.parse(files["managed_agents/helper/agent.json"]!);
    expect(helper.prompt_templates.system_prompt).toContain("tool.to_tool_calling_prompt()");
    expect(parseYaml(files["prompts.yaml"]!)).toEqual(agent.prompt_templates);
  });
});

/** A workflow with what a round trip must keep: both agent kinds, tools of both kinds, overrides. */
function roundTripWorkflow(): WorkflowDocument {
  return {
    version: 1,
    viewport: { x: 0, y: 0, zoom: 1 },
    nodes: [
      {
        id: "boss",
        type: "agent",
        position: { x: 0, y: 0 },
        data: {
          agentType: "code",
          name: "boss",
          description: "Runs the team",
          instructions: "Answer in French. Use {braces} freely.",
          maxSteps: 9,
          planningInterval: 2,
          addBaseTools: false,
          additionalAuthorizedImports: ["numpy", "pandas.*"],
          outputSchema: { type: "object", properties: { total: { type: "number" } }, required: ["total"] },
          promptTemplates: {
            managed_agent: { report: "{{name}} says: {{finalAnswer}}" },
            planning: {
              update_plan_post_messages:
                "Step {{stepNumber}}/{{maxSteps}}, {{remainingSteps}} left.\n{{tools}}",
            },
          },
        },
      },
      {
        id: "boss-model",
        type: "model",
        position: { x: 0, y: 200 },
        data: {
          provider: "openai",
          model: "gpt-4o-mini",
          baseUrl: "https://llm.example.com/v1",
          temperature: 0.2,
        },
      },
      {
        id: "tax",
        type: "tool",
        position: { x: 200, y: 200 },
        data: {
          kind: "python",
          name: "tax",
          description: "",
          source:
            'import math\n\nRATE = 0.2\n\n\ndef tax(amount: float, rate: float = RATE) -> float:\n    """Tax on an amount.\n\n    Args:\n        amount: the amount\n        rate: the rate, 0.2 unless given\n    """\n    return math.floor(amount * rate)\n',
        },
      },
      {
        id: "search",
        type: "tool",
        position: { x: 400, y: 200 },
        data: { kind: "builtin", name: "web_search" },
      },
      { id: "sandbox", type: "sandbox", position: { x: 600, y: 200 }, data: { kind: "docker" } },
      {
        id: "clerk",
        type: "agent",
        position: { x: 0, y: 400 },
        data: {
          agentType: "toolCalling",
          name: "clerk",
          description: "Looks things up",
          instructions: "",
          maxSteps: 5,
          addBaseTools: false,
          additionalAuthorizedImports: [],
          promptTemplates: {
            system_prompt: "You are a clerk.\n{{tools}}\n{{managedAgents}}{{instructions}}",
          },
        },
      },
      {
        id: "clerk-model",
        type: "model",
        position: { x: 0, y: 600 },
        data: {
          provider: "hf",
          model: "meta-llama/Llama-3.3-70B-Instruct",
          hfProvider: "together",
          maxTokens: 900,
        },
      },
      {
        id: "visit",
        type: "tool",
        position: { x: 200, y: 600 },
        data: { kind: "builtin", name: "visit_webpage" },
      },
      {
        id: "speech",
        type: "tool",
        position: { x: 400, y: 600 },
        data: { kind: "builtin", name: "speech_to_text" },
      },
    ],
    edges: [
      edgeOfKind("uses-model", "boss", "boss-model"),
      edgeOfKind("uses-tool", "boss", "tax"),
      edgeOfKind("uses-tool", "boss", "search"),
      edgeOfKind("runs-in", "boss", "sandbox"),
      edgeOfKind("manages", "boss", "clerk"),
      edgeOfKind("uses-model", "clerk", "clerk-model"),
      edgeOfKind("uses-tool", "clerk", "visit"),
      edgeOfKind("uses-tool", "clerk", "speech"),
    ],
  };
}

describe("smolagents folder round trip", () => {
  it("exports a workflow agent and imports it back to the same spec", () => {
    const workflow = roundTripWorkflow();
    const original = compile(workflow);
    if (!original.ok) throw new Error(original.issues.map((i) => i.message).join("; "));
    const exported = exportWorkflowAgent(workflow, "boss");
    if (!exported.ok) throw new Error(exported.message);
    expect(exported.warnings).toEqual([]);
    const imported = importSmolagentsZip(exported.zip);
    if (!imported.ok) throw new Error(imported.message);
    expect(imported.warnings).toEqual([]);
    expect(imported.issues).toEqual([]);
    expect(validate(imported.document).filter((i) => i.severity !== "warning")).toEqual([]);
    const again = compile(imported.document);
    if (!again.ok) throw new Error(again.issues.map((i) => i.message).join("; "));
    expect(again.spec).toEqual(original.spec);
    expect(original.spec.promptTemplates).toBeDefined();
    expect(original.spec.managedAgents[0]!.promptTemplates?.system_prompt).toContain("You are a clerk.");
  });

  it("exports a managed agent of a workflow on its own", () => {
    const exported = exportWorkflowAgent(roundTripWorkflow(), "clerk");
    if (!exported.ok) throw new Error(exported.message);
    expect(JSON.parse(exported.files["agent.json"]!).name).toBe("clerk");
    expect(exported.files["managed_agents/__init__.py"]).toBeUndefined();
    expect(exported.files["tools/speech_to_text.py"]).toContain('name = "speech_to_text"');
  });

  it("says what does not carry over", () => {
    const spec = agentSpecSchema.parse({
      type: "toolCalling",
      name: "caller",
      model: { provider: "replay", transcript: ["x"] },
      tools: [{ kind: "http", name: "weather", url: "https://api.example.com/{city}" }],
    });
    const { warnings, files } = exportSmolagentsFolder(spec);
    expect(warnings).toEqual([
      "agent 'caller': the HTTP tool 'weather' has no smolagents folder form and is left out",
      "agent 'caller': a replay model has no smolagents counterpart; exported as InferenceClientModel with smolagents' default model",
    ]);
    expect(JSON.parse(files["agent.json"]!).tools).toEqual(["final_answer"]);
  });
});

describe("smolagents folder import", () => {
  it("imports the fixture as a manager with a managed agent, its tools and models", () => {
    const result = importSmolagentsFolder(fixtureFiles());
    if (!result.ok) throw new Error(result.message);
    const { nodes, edges } = result.document;
    const agents = nodes.filter((n) => n.type === "agent");
    expect(agents.map((n) => n.type === "agent" && [n.data.name, n.data.agentType])).toEqual([
      ["helper", "toolCalling"],
      ["manager", "code"],
    ]);
    expect(edges.filter((e) => e.type === "manages")).toHaveLength(1);
    const compiled = compile(result.document);
    if (!compiled.ok) throw new Error(compiled.issues.map((i) => i.message).join("; "));
    const spec = compiled.spec;
    expect(spec).toMatchObject({
      type: "code",
      name: "manager",
      description: "Plans and delegates.",
      maxSteps: 6,
      planningInterval: 3,
      additionalAuthorizedImports: [],
      model: { provider: "hf", model: "Qwen/Qwen2.5-Coder-32B-Instruct" },
      executor: { kind: "pyodide" },
    });
    expect(spec.tools).toHaveLength(1);
    expect(spec.tools[0]).toMatchObject({ kind: "python", name: "add", description: "" });
    expect(spec.managedAgents[0]).toMatchObject({ type: "toolCalling", name: "helper", maxSteps: 4 });
    // The fixture's prompt texts stand in for smolagents' defaults: plain text is kept as the agent's
    // template, except where it drops what the agent cannot work without (then Troupe's default, said).
    expect(spec.promptTemplates?.planning?.update_plan_pre_messages).toBe(
      "<smolagents default prompt text: planning.update_plan_pre_messages (559 characters)>",
    );
    expect(spec.promptTemplates?.system_prompt).toBeUndefined();
    expect(spec.managedAgents[0]!.promptTemplates?.system_prompt).toBe(
      "<smolagents default prompt text: system_prompt (3778 characters)>",
    );
    const dropped = (file: string, key: string, variable: string) =>
      `${file}: prompt template ${key} is not imported (it never uses {{ ${variable} }}, without which the agent cannot work); the agent uses Troupe's default`;
    expect(result.warnings).toEqual([
      dropped("managed_agents/helper/agent.json", "planning.initial_plan", "task"),
      dropped("managed_agents/helper/agent.json", "managed_agent.task", "task"),
      dropped("managed_agents/helper/agent.json", "managed_agent.report", "final_answer"),
      dropped("managed_agents/helper/agent.json", "final_answer.post_messages", "task"),
      dropped("agent.json", "system_prompt", "tools"),
      dropped("agent.json", "planning.initial_plan", "task"),
      dropped("agent.json", "managed_agent.task", "task"),
      dropped("agent.json", "managed_agent.report", "final_answer"),
      dropped("agent.json", "final_answer.post_messages", "task"),
    ]);
  });

  it("keeps the fixture tool's source runnable as a Troupe Python tool", () => {
    const read = parseToolFile(fixtureFiles()["tools/add.py"]!, "tools/add.py");
    if (!read.ok || read.tool.kind !== "python") throw new Error(JSON.stringify(read));
    expect(read.tool.name).toBe("add");
    expect(read.tool.source).toBe(
      'def add(a: int, b: int) -> int:\n    """Adds two integers.\n\n    Args:\n        a: first integer\n        b: second integer\n    """\n    return a + b\n',
    );
  });

  it("falls back to the default for a Jinja template it cannot render, naming it", () => {
    const files = fixtureFiles();
    const agent = JSON.parse(files["agent.json"]!);
    agent.prompt_templates.system_prompt =
      "Tools:{% for tool in tools.values() %}\n* {{ tool.name }}{% endfor %}\n{{ custom_instructions }}";
    agent.prompt_templates.managed_agent.task = "You are {{ name }}. Do: {{ task }}";
    files["agent.json"] = JSON.stringify(agent);
    const result = importSmolagentsFolder(files);
    if (!result.ok) throw new Error(result.message);
    expect(result.warnings).toContain(
      "agent.json: prompt template system_prompt is not imported (it uses Jinja that Troupe does not render: {{ tool.name }}); the agent uses Troupe's default",
    );
    const manager = result.document.nodes.find((n) => n.type === "agent" && n.data.name === "manager");
    expect(manager?.type === "agent" && manager.data.promptTemplates?.managed_agent?.task).toBe(
      "You are {{name}}. Do: {{task}}",
    );
  });

  it("maps model classes and names the ones it cannot", () => {
    const files = fixtureFiles();
    const helper = JSON.parse(files["managed_agents/helper/agent.json"]!);
    helper.model = { class: "TransformersModel", data: { model_id: "x/y" } };
    files["managed_agents/helper/agent.json"] = JSON.stringify(helper);
    const manager = JSON.parse(files["agent.json"]!);
    manager.model = {
      class: "LiteLLMModel",
      data: { model_id: "ollama/qwen", api_base: "http://localhost:11434" },
    };
    files["agent.json"] = JSON.stringify(manager);
    const result = importSmolagentsFolder(files);
    if (!result.ok) throw new Error(result.message);
    expect(result.issues.map((i) => i.message)).toEqual([
      'managed_agents/helper/agent.json: the model class TransformersModel has no Troupe provider (InferenceClientModel, OpenAIServerModel and LiteLLMModel do); connect a model to "helper"',
    ]);
    const model = result.document.nodes.find((n) => n.type === "model");
    expect(model?.data).toEqual({
      provider: "openai",
      model: "ollama/qwen",
      baseUrl: "http://localhost:11434",
    });
  });

  it("refuses malformed uploads with a message naming the file", () => {
    const files = fixtureFiles();
    const cases: [Record<string, string>, string][] = [
      [{ ...files, "agent.json": '{"class": "CodeAgent",\n  "tools": [' }, "agent.json: "],
      [
        {
          ...files,
          "agent.json": JSON.stringify({ ...JSON.parse(files["agent.json"]!), class: "ReactAgent" }),
        },
        'agent.json: class "ReactAgent" is not CodeAgent or ToolCallingAgent',
      ],
      [
        { ...files, "agent.json": JSON.stringify({ ...JSON.parse(files["agent.json"]!), tools: "add" }) },
        "agent.json: tools must be a list of tool names",
      ],
      [
        { ...files, "agent.json": JSON.stringify({ ...JSON.parse(files["agent.json"]!), max_steps: 0 }) },
        "agent.json: max_steps: ",
      ],
      [{ ...files, "managed_agents/helper/agent.json": "[]" }, "managed_agents/helper/agent.json: "],
      [
        Object.fromEntries(Object.entries(files).filter(([p]) => p !== "tools/add.py")),
        "tools/add.py: not found (agent.json lists the tool 'add')",
      ],
      [{ "README.md": "hi" }, "agent.json: not found"],
    ];
    for (const [input, message] of cases) {
      const result = importSmolagentsFolder(input);
      expect(result.ok, message).toBe(false);
      if (!result.ok) expect(result.message.startsWith(message), `${result.message} ⟂ ${message}`).toBe(true);
    }
  });

  it("refuses a file that is not a zip, and a zip bomb before inflating it", () => {
    const notZip = importSmolagentsZip(new TextEncoder().encode("agent.json"));
    expect(notZip).toMatchObject({ ok: false });
    if (!notZip.ok) expect(notZip.message).toMatch(/^The file is not a readable zip archive/);
    const big = zipSync({ "a/agent.json": strToU8("{}"), "a/big.txt": new Uint8Array(6 * 1024 * 1024) });
    const bomb = importSmolagentsZip(big);
    expect(bomb).toEqual({
      ok: false,
      message: "The zip unpacks to more than 5 MB; a saved agent never does",
    });
  });

  it("reads a zip whose files sit under one top-level folder", () => {
    const entries = Object.fromEntries(
      Object.entries(fixtureFiles()).map(([p, t]) => [`saved/${p}`, strToU8(t)]),
    );
    const files = unzipSmolagentsFolder(zipSync(entries));
    expect(Object.keys(files)).toContain("saved/agent.json");
    expect(importSmolagentsZip(zipSync(entries))).toMatchObject({ ok: true, name: "manager" });
  });
});

describe("tool.py import", () => {
  it("reads a @tool function", () => {
    const source = `from smolagents import tool


@tool
def get_weather(city: str, unit: str = "C") -> str:
    """Gets the weather of a city.

    Args:
        city: the city's name
        unit: C or F
    """
    return f"Sunny in {city}"
`;
    const read = parseToolFile(source);
    expect(read).toEqual({
      ok: true,
      tool: {
        kind: "python",
        name: "get_weather",
        description: "",
        source: `def get_weather(city: str, unit: str = "C") -> str:\n    """Gets the weather of a city.\n\n    Args:\n        city: the city's name\n        unit: C or F\n    """\n    return f"Sunny in {city}"\n`,
      },
    });
  });

  it("reads a Tool subclass without a docstring, documenting its inputs from `inputs`", () => {
    const source = `from smolagents import Tool
import math

class Hypot(Tool):
    name = "hypot"
    description = (
        "Length of the hypotenuse."
    )
    inputs = {
        "x": {"type": "number", "description": "one side"},
        "y": {"type": "number", "description": "the other side", "nullable": True},
    }
    output_type = "number"

    def forward(self, x, y=3.0):
        return math.hypot(x, y)
`;
    const read = parseToolFile(source, "tools/hypot.py");
    if (!read.ok || read.tool.kind !== "python") throw new Error(JSON.stringify(read));
    expect(read.tool.name).toBe("hypot");
    expect(read.tool.description).toBe("");
    expect(read.tool.source).toBe(
      'import math\n\n\ndef hypot(x: float, y: float = 3.0) -> float:\n    """Length of the hypotenuse.\n\n    Args:\n        x: one side\n        y: the other side\n    """\n    return math.hypot(x, y)\n',
    );
  });

  it("maps smolagents' default tools to builtins and refuses what it cannot carry", () => {
    expect(
      parseToolFile(
        "from smolagents import default_tools\n\n\nclass V(default_tools.VisitWebpageTool):\n    pass\n",
      ),
    ).toEqual({
      ok: true,
      tool: { kind: "builtin", name: "visit_webpage" },
    });
    const stateful = `from smolagents import Tool\n\nclass Counter(Tool):\n    name = "counter"\n    description = "Counts"\n    inputs = {}\n    output_type = "integer"\n\n    def forward(self):\n        self.n += 1\n        return self.n\n`;
    expect(parseToolFile(stateful, "tools/counter.py")).toEqual({
      ok: false,
      message:
        "tools/counter.py: tool 'counter': forward uses self (attributes or setup), which a Troupe Python tool cannot carry",
    });
    expect(parseToolFile("x = 1\n", "tool.py")).toEqual({
      ok: false,
      message: "tool.py: no @tool function and no Tool subclass found",
    });
  });
});

describe("prompt templates on the canvas", () => {
  it("travel through Troupe workflow files", () => {
    const workflow = roundTripWorkflow();
    const file = exportWorkflow(workflow, { name: "team" });
    const read = parseWorkflowFile(JSON.stringify(file));
    if (!read.ok) throw new Error(read.message);
    const boss = read.document.nodes.find((n) => n.id === "boss");
    expect(boss?.type === "agent" && boss.data.promptTemplates).toEqual({
      managed_agent: { report: "{{name}} says: {{finalAnswer}}" },
      planning: {
        update_plan_post_messages: "Step {{stepNumber}}/{{maxSteps}}, {{remainingSteps}} left.\n{{tools}}",
      },
    });
  });

  it("names an unknown placeholder and the ones the template may use", () => {
    const workflow = roundTripWorkflow();
    const boss = workflow.nodes[0]!;
    if (boss.type !== "agent") throw new Error("boss is an agent");
    boss.data.promptTemplates = { managed_agent: { task: "Hi {{name}}, do {{job}}" } };
    const issues = validate(workflow).filter((i) => i.code === "invalid-prompt-template");
    expect(issues).toEqual([
      {
        code: "invalid-prompt-template",
        severity: "error",
        nodeId: "boss",
        path: ["nodes", 0, "data", "promptTemplates", "managed_agent", "task"],
        message:
          "Prompt template managed_agent.task: unknown placeholder {{job}}; it may use {{name}}, {{task}}",
      },
    ]);
  });
});
