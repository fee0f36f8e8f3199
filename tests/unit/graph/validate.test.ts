import { describe, expect, it } from "vitest";
import {
  createEmptyWorkflow,
  getTemplate,
  validate,
  validateDocument,
  type WorkflowDocument,
  type WorkflowNode,
} from "~/graph";
import type { SandboxNodeData } from "~/graph/workflow-document";
import { loadFixture } from "./load-fixture";

const agent = (id: string, name: string, agentType: "code" | "toolCalling" = "code"): WorkflowNode => ({
  id,
  type: "agent",
  position: { x: 0, y: 0 },
  data: {
    agentType,
    name,
    description: "",
    instructions: "",
    maxSteps: 20,
    addBaseTools: false,
    additionalAuthorizedImports: [],
  },
});
const model = (id: string, extra: Record<string, unknown> = {}): WorkflowNode =>
  ({
    id,
    type: "model",
    position: { x: 0, y: 0 },
    data: { provider: "openai", model: "gpt-4o-mini", ...extra },
  }) as WorkflowNode;
const edge = (type: WorkflowDocument["edges"][number]["type"], source: string, target: string) => ({
  id: `${source}-${target}`,
  type,
  source,
  target,
});
const docOf = (nodes: WorkflowNode[], edges: WorkflowDocument["edges"] = []): WorkflowDocument => ({
  ...createEmptyWorkflow(),
  nodes,
  edges,
});
const codes = (doc: WorkflowDocument, opts = {}) =>
  validate(doc, opts).map((i) => `${i.code}@${i.nodeId ?? "-"}`);

describe("validate", () => {
  it("accepts every starter template with no issues", () => {
    for (const id of ["code-agent-web-search", "manager-researcher-analyst", "tool-calling-http"]) {
      expect(validate(getTemplate(id)!.document, { knownSecrets: ["OPENAI_API_KEY"] })).toEqual([]);
    }
  });

  it("flags an agent without a model, and clears once one is connected", () => {
    const doc = docOf([agent("a", "solo"), model("m")]);
    expect(codes(doc)).toEqual(["agent-without-model@a", "not-attached@m"]);
    doc.edges.push(edge("uses-model", "a", "m"));
    expect(validate(doc)).toEqual([]);
  });

  it("lets a CodeAgent run without a sandbox but warns about unattached tool, model and sandbox nodes", () => {
    const doc = docOf(
      [
        agent("a", "solo"),
        model("m"),
        model("m2"),
        { id: "t", type: "tool", position: { x: 0, y: 0 }, data: { kind: "builtin", name: "web_search" } },
        { id: "s", type: "sandbox", position: { x: 0, y: 0 }, data: { kind: "pyodide" } },
      ],
      [edge("uses-model", "a", "m")],
    );
    const issues = validate(doc);
    expect(issues.map((i) => [i.code, i.nodeId, i.severity])).toEqual([
      ["not-attached", "m2", "warning"],
      ["not-attached", "t", "warning"],
      ["not-attached", "s", "warning"],
    ]);
    expect(issues[0]!.path).toEqual(["nodes", 2]);
  });

  it("reports a manages cycle as structural, naming the edges", () => {
    const result = validateDocument(loadFixture("invalid-manages-cycle"));
    expect(result.ok).toBe(false);
    const cycle = result.issues.filter((i) => i.code === "manages-cycle");
    expect(cycle.map((i) => i.edgeId).sort()).toEqual(["ab", "ba"]);
    expect(cycle[0]!.message).toMatch(/cycle/);
  });

  it("flags a replay model with an empty transcript on the canvas, not when the run starts", () => {
    const doc = docOf(
      [agent("a", "solo"), model("m", { provider: "replay", model: "replay", transcript: [] })],
      [edge("uses-model", "a", "m")],
    );
    expect(validate(doc).map((i) => [i.code, i.nodeId, i.message])).toEqual([
      ["missing-field", "m", "A replay model needs at least one recorded answer in its transcript"],
    ]);
    (doc.nodes[1]!.data as { transcript: string[] }).transcript.push("final_answer('done')");
    expect(validate(doc)).toEqual([]);
  });

  it("flags non-identifier, keyword and duplicate agent names", () => {
    const doc = docOf(
      [agent("a", "my agent"), agent("b", "class"), agent("c", "dup"), agent("d", "dup"), model("m")],
      [
        edge("manages", "c", "a"),
        edge("manages", "c", "b"),
        edge("manages", "c", "d"),
        ...["a", "b", "c", "d"].map((x) => edge("uses-model", x, "m")),
      ],
    );
    const issues = validate(doc);
    expect(issues.find((i) => i.nodeId === "a")?.message).toMatch(/not a Python identifier/);
    expect(issues.find((i) => i.nodeId === "b")?.message).toMatch(/Python keyword/);
    expect(issues.filter((i) => i.code === "duplicate-name").map((i) => i.nodeId)).toEqual(["d"]);
    expect(issues.every((i) => i.severity === "error")).toBe(true);
  });

  it("flags two tools of one agent with the same name", () => {
    const tool = (id: string): WorkflowNode => ({
      id,
      type: "tool",
      position: { x: 0, y: 0 },
      data: {
        kind: "python",
        name: "shout",
        description: "",
        source: "def shout(x: str) -> str:\n    return x",
      },
    });
    const doc = docOf(
      [agent("a", "solo"), model("m"), tool("t1"), tool("t2")],
      [edge("uses-model", "a", "m"), edge("uses-tool", "a", "t1"), edge("uses-tool", "a", "t2")],
    );
    expect(codes(doc)).toEqual(["duplicate-name@t2"]);
  });

  it("flags a python tool whose source lacks the named function, and an empty HTTP URL", () => {
    const doc = docOf(
      [
        agent("a", "solo"),
        model("m"),
        {
          id: "p",
          type: "tool",
          position: { x: 0, y: 0 },
          data: { kind: "python", name: "f", description: "", source: "def g(): pass" },
        },
        {
          id: "h",
          type: "tool",
          position: { x: 0, y: 0 },
          data: {
            kind: "http",
            name: "h",
            description: "",
            method: "GET",
            url: "",
            inputs: {},
            outputType: "string",
          },
        },
      ],
      [edge("uses-model", "a", "m"), edge("uses-tool", "a", "p"), edge("uses-tool", "a", "h")],
    );
    expect(codes(doc)).toEqual(["python-function-missing@p", "invalid-url@h"]);
  });

  it("flags an unknown library tool and a builtin the catalog lacks", () => {
    const doc = docOf(
      [
        agent("a", "solo"),
        model("m"),
        {
          id: "l",
          type: "tool",
          position: { x: 0, y: 0 },
          data: { kind: "library", itemId: "lib1", version: 2, name: "shared" },
        },
        {
          id: "b",
          type: "tool",
          position: { x: 0, y: 0 },
          data: { kind: "builtin", name: "speech_to_text" },
        },
      ],
      [edge("uses-model", "a", "m"), edge("uses-tool", "a", "l"), edge("uses-tool", "a", "b")],
    );
    const catalog = { builtinTools: ["web_search"] as const, libraryTools: [] };
    expect(codes(doc, { catalog })).toEqual(["unknown-tool@l", "unknown-tool@b"]);
  });

  it("flags missing and malformed secrets only against the team's list", () => {
    const doc = docOf(
      [agent("a", "solo"), model("m", { apiKeySecret: "GROQ_KEY" })],
      [edge("uses-model", "a", "m")],
    );
    expect(codes(doc)).toEqual([]);
    expect(codes(doc, { knownSecrets: ["OPENAI_API_KEY"] })).toEqual(["missing-secret@m"]);
    const lower = docOf(
      [agent("a", "solo"), model("m", { apiKeySecret: "groq" })],
      [edge("uses-model", "a", "m")],
    );
    expect(codes(lower)).toEqual(["invalid-secret-name@m"]);
  });

  it("flags more than one root agent and an empty workflow", () => {
    const doc = docOf(
      [agent("a", "one"), agent("b", "two"), model("m")],
      [edge("uses-model", "a", "m"), edge("uses-model", "b", "m")],
    );
    expect(codes(doc)).toEqual(["multiple-roots@b"]);
    expect(codes(createEmptyWorkflow())).toEqual(["no-agent@-"]);
  });

  it("treats a sandbox on a ToolCallingAgent as a fixable error, not structural", () => {
    const doc = docOf(
      [
        agent("a", "solo", "toolCalling"),
        model("m"),
        { id: "s", type: "sandbox", position: { x: 0, y: 0 }, data: { kind: "docker" } },
      ],
      [edge("uses-model", "a", "m"), edge("runs-in", "a", "s")],
    );
    const result = validateDocument(doc);
    expect(result.ok).toBe(true);
    expect(result.issues.map((i) => [i.code, i.severity])).toEqual([["sandbox-needs-code-agent", "error"]]);
  });

  it("marks a local sandbox as an error for a team that may not use it, and only then", () => {
    const withSandbox = (kind: "local" | "pyodide") =>
      docOf(
        [
          agent("a", "coder"),
          model("m"),
          { id: "s", type: "sandbox", position: { x: 0, y: 0 }, data: { kind } },
        ],
        [edge("uses-model", "a", "m"), edge("runs-in", "a", "s")],
      );
    expect(validate(withSandbox("local"), { allowLocalExecutor: false })).toEqual([
      {
        code: "local-sandbox-not-allowed",
        severity: "error",
        nodeId: "s",
        path: ["nodes", 2, "data", "kind"],
        message:
          "This team may not use the local sandbox (it runs model-written Python unsandboxed on the server); choose pyodide or docker",
      },
    ]);
    expect(validate(withSandbox("local"), { allowLocalExecutor: true })).toEqual([]);
    expect(validate(withSandbox("pyodide"), { allowLocalExecutor: false })).toEqual([]);
  });

  it("marks a Docker image outside the allow-list and settings above the operator's maxima as errors", () => {
    const limits = {
      images: ["troupe-sandbox:latest"],
      maxMemoryMb: 2048,
      maxCpus: 2,
      maxTimeoutSeconds: 300,
    };
    const withSandbox = (data: SandboxNodeData) =>
      docOf(
        [agent("a", "coder"), model("m"), { id: "s", type: "sandbox", position: { x: 0, y: 0 }, data }],
        [edge("uses-model", "a", "m"), edge("runs-in", "a", "s")],
      );
    const over = withSandbox({
      kind: "docker",
      image: "attacker/miner:latest",
      memoryMb: 4096,
      cpus: 8,
      timeoutSeconds: 3600,
    });
    expect(validate(over, { sandboxLimits: limits })).toEqual([
      {
        code: "sandbox-over-limit",
        severity: "error",
        nodeId: "s",
        path: ["nodes", 2, "data", "image"],
        message: 'Docker image "attacker/miner:latest" is not one this server allows (troupe-sandbox:latest)',
      },
      {
        code: "sandbox-over-limit",
        severity: "error",
        nodeId: "s",
        path: ["nodes", 2, "data", "memoryMb"],
        message: "Sandbox memory 4096 MB is above this server's maximum of 2048 MB",
      },
      {
        code: "sandbox-over-limit",
        severity: "error",
        nodeId: "s",
        path: ["nodes", 2, "data", "cpus"],
        message: "Sandbox CPUs 8 are above this server's maximum of 2",
      },
      {
        code: "sandbox-over-limit",
        severity: "error",
        nodeId: "s",
        path: ["nodes", 2, "data", "timeoutSeconds"],
        message: "Sandbox timeout 3600 s is above this server's maximum of 300 s",
      },
    ]);
    const within = withSandbox({ kind: "docker", image: "troupe-sandbox:latest", memoryMb: 2048, cpus: 2 });
    expect(validate(within, { sandboxLimits: limits })).toEqual([]);
    expect(validate(withSandbox({ kind: "docker" }), { sandboxLimits: limits })).toEqual([]);
  });

  it("rejects dangling, mis-kinded and duplicate edges as structural", () => {
    const doc = docOf(
      [agent("a", "solo"), model("m")],
      [
        { id: "x", type: "uses-tool", source: "a", target: "ghost" },
        { id: "y", type: "uses-tool", source: "a", target: "m" },
        { id: "y", type: "uses-model", source: "m", target: "a" },
      ],
    );
    const result = validateDocument(doc);
    expect(result.ok).toBe(false);
    expect(result.issues.filter((i) => i.severity === "structural").map((i) => i.code)).toEqual([
      "invalid-connection",
      "edge-kind-mismatch",
      "duplicate-edge-id",
      "invalid-connection",
    ]);
  });

  it("rejects schema violations with paths", () => {
    const result = validateDocument({
      version: 1,
      nodes: [{ id: "n", type: "robot", position: { x: 0, y: 0 }, data: {} }],
      edges: [],
      viewport: { x: 0, y: 0, zoom: 1 },
    });
    expect(result.ok).toBe(false);
    expect(result.issues[0]!.path.slice(0, 2)).toEqual(["nodes", 0]);
  });
});
