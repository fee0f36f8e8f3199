import { describe, expect, it } from "vitest";
import { agentSpecSchema, compile, getTemplate, type ToolCatalog, type WorkflowDocument } from "~/graph";
import { loadFixture } from "./load-fixture";

describe("compile", () => {
  it("compiles the manager template into a nested agent spec", () => {
    const result = compile(loadFixture("manager-researcher-analyst") as WorkflowDocument);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const spec = result.spec;
    expect(agentSpecSchema.parse(spec)).toEqual(spec);
    expect(spec).toMatchObject({
      type: "code",
      name: "manager",
      planningInterval: 3,
      model: { provider: "openai", model: "gpt-4o", apiKeySecret: "OPENAI_API_KEY" },
      executor: { kind: "pyodide" },
      tools: [],
    });
    expect(spec.managedAgents.map((a) => [a.name, a.type])).toEqual([
      ["researcher", "toolCalling"],
      ["analyst", "code"],
    ]);
    const [researcher, analyst] = spec.managedAgents;
    expect(researcher!.tools).toEqual([{ kind: "builtin", name: "web_search" }]);
    expect(researcher!.executor).toBeUndefined();
    expect(analyst!.additionalAuthorizedImports).toEqual(["statistics", "math"]);
    expect(analyst!.model.model).toBe("gpt-4o-mini");
  });

  it("compiles an HTTP tool with its inputs and a docker sandbox with limits", () => {
    const doc = getTemplate("tool-calling-http")!.document;
    const result = compile(doc);
    expect(result.ok && result.spec.tools[0]).toMatchObject({
      kind: "http",
      name: "get_forecast",
      inputs: { latitude: { type: "number" } },
      outputType: "object",
    });
    const web = getTemplate("code-agent-web-search")!.document;
    const sandbox = web.nodes.find((n) => n.id === "sandbox")!;
    sandbox.data = { kind: "docker", memoryMb: 256, timeoutSeconds: 30 };
    const compiled = compile(web);
    expect(compiled.ok && compiled.spec.executor).toEqual({
      kind: "docker",
      memoryMb: 256,
      timeoutSeconds: 30,
    });
  });

  it("resolves library tools from the catalog it is given", () => {
    const doc = getTemplate("code-agent-web-search")!.document;
    doc.nodes.push({
      id: "lib",
      type: "tool",
      position: { x: 0, y: 0 },
      data: { kind: "library", itemId: "item1", version: 3, name: "shared" },
    });
    doc.edges.push({ id: "e-lib", type: "uses-tool", source: "agent", target: "lib" });
    expect(compile(doc)).toMatchObject({ ok: false, issues: [{ code: "unknown-tool", nodeId: "lib" }] });
    const catalog: ToolCatalog = {
      builtinTools: ["web_search", "visit_webpage"],
      libraryTools: [
        {
          itemId: "item1",
          version: 3,
          name: "shared",
          tool: { kind: "python", name: "shared", description: "", source: "def shared(): ..." },
        },
      ],
    };
    const result = compile(doc, catalog);
    expect(result.ok && result.spec.tools.map((t) => t.name)).toEqual([
      "web_search",
      "visit_webpage",
      "shared",
    ]);
  });

  it("refuses an invalid document with its issues, ignoring warnings", () => {
    const doc = getTemplate("code-agent-web-search")!.document;
    doc.edges = doc.edges.filter((e) => e.type !== "uses-model");
    const result = compile(doc);
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.issues.map((i) => i.code)).toEqual(["agent-without-model"]);
  });

  it("checks secrets when the team's list is given", () => {
    const doc = getTemplate("code-agent-web-search")!.document;
    expect(compile(doc, undefined, { knownSecrets: [] })).toMatchObject({
      ok: false,
      issues: [{ code: "missing-secret" }],
    });
  });
});
