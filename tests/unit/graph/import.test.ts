import { describe, expect, it } from "vitest";
import { exportWorkflow, getTemplate, maxJsonDepth, parseWorkflowFile, type WorkflowDocument } from "~/graph";

const doc = () => getTemplate("manager-researcher-analyst")!.document;

describe("parseWorkflowFile", () => {
  it("round-trips an export", () => {
    const file = exportWorkflow(doc(), { name: "Team", description: "d", exportedAt: new Date(0) });
    const result = parseWorkflowFile(JSON.stringify(file));
    expect(result).toEqual({ ok: true, document: doc(), name: "Team", description: "d", issues: [] });
  });

  it("accepts a bare document and migrates an old one", () => {
    expect(parseWorkflowFile(JSON.stringify(doc()))).toMatchObject({ ok: true, issues: [] });
    const old = {
      nodes: [{ id: "a", type: "agent", position: { x: 0, y: 0 }, data: { type: "CodeAgent", name: "a" } }],
      edges: [],
    };
    const result = parseWorkflowFile(JSON.stringify(old));
    expect(result).toMatchObject({ ok: true, migratedFrom: 0, issues: [{ code: "agent-without-model" }] });
  });

  it("refuses malformed JSON with the parser's reason", () => {
    expect(parseWorkflowFile("{ nodes: [")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^The file is not valid JSON/),
    });
    expect(parseWorkflowFile("[1,2]")).toMatchObject({
      ok: false,
      message: "A workflow file must contain a JSON object",
    });
  });

  it("refuses files over 5 MB before parsing", () => {
    const big = JSON.stringify({ ...doc(), padding: "x".repeat(5 * 1024 * 1024) });
    expect(parseWorkflowFile(big)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/limit is 5 MB/),
    });
  });

  it("refuses 10,000-deep nesting without recursing", () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    expect(maxJsonDepth(deep)).toBe(10_000);
    expect(maxJsonDepth('{"a":"[[[[\\"]]"}')).toBe(1);
    expect(parseWorkflowFile(`{"nodes":${deep}}`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/deeper than 64/),
    });
  });

  it("refuses prototype-pollution keys anywhere", () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const text = JSON.stringify(doc()).replace('"maxSteps"', `"${key}":{"polluted":true},"maxSteps"`);
      const result = parseWorkflowFile(text);
      expect(result).toMatchObject({ ok: false, message: expect.stringContaining(`forbidden key "${key}"`) });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses unknown node and edge kinds by name", () => {
    const d = doc() as unknown as { nodes: { type: string }[]; edges: { type: string }[] };
    d.nodes[2]!.type = "robot";
    expect(parseWorkflowFile(JSON.stringify(d))).toMatchObject({
      ok: false,
      message: 'Unknown node kind "robot" at nodes[2]; expected one of agent, model, tool, mcp, sandbox',
    });
    const e = doc() as unknown as { edges: { type: string }[] };
    e.edges[0]!.type = "owns";
    expect(parseWorkflowFile(JSON.stringify(e))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Unknown edge kind "owns"/),
    });
  });

  it("refuses structurally invalid graphs but accepts incomplete drafts", () => {
    const d: WorkflowDocument = doc();
    d.edges.push({ id: "loop", type: "manages", source: "analyst", target: "manager" });
    expect(parseWorkflowFile(JSON.stringify(d))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/cycle/),
    });
  });
});

describe("exportWorkflow", () => {
  it("blanks credential-looking literal headers and keeps secret references", () => {
    const d = getTemplate("tool-calling-http")!.document;
    const http = d.nodes.find((n) => n.id === "http")!;
    if (http.type !== "tool" || http.data.kind !== "http") throw new Error("fixture");
    http.data.headers = { Authorization: "Bearer sk-live-123", Accept: "application/json", "X-Api-Key": "k" };
    http.data.secretHeaders = { "X-Token": "WEATHER_TOKEN" };
    const text = JSON.stringify(exportWorkflow(d, { name: "w" }));
    expect(text).not.toContain("sk-live-123");
    expect(text).not.toContain('"k"');
    expect(text).toContain("application/json");
    expect(text).toContain("WEATHER_TOKEN");
  });
});
