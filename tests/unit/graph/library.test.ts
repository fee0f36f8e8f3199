import { describe, expect, it } from "vitest";
import {
  builtinToolNames,
  compile,
  getTemplate,
  libraryToolSpecSchema,
  shareableTool,
  type ToolCatalog,
  toolSecretNames,
} from "~/graph";

const pythonTool = {
  kind: "python",
  name: "shout",
  description: "Upper-cases text",
  source:
    'def shout(text: str) -> str:\n    """Shout.\n\n    Args:\n        text: words\n    """\n    return text.upper()\n',
};

const httpTool = {
  kind: "http",
  name: "get_forecast",
  description: "Weather",
  method: "GET",
  url: "https://api.example.com/forecast?lat={latitude}",
  headers: { Accept: "application/json" },
  secretHeaders: { Authorization: "WEATHER_KEY" },
  inputs: { latitude: { type: "number", description: "Latitude" } },
  outputType: "object",
};

describe("shareableTool", () => {
  it("turns a python tool node's data into the spec compile would produce for that node", () => {
    const result = shareableTool(pythonTool);
    expect(result).toEqual({ ok: true, tool: pythonTool });
    // The same data compiled in a graph gives the same tool spec.
    const doc = getTemplate("code-agent-web-search")!.document;
    doc.nodes.push({ id: "py", type: "tool", position: { x: 0, y: 0 }, data: pythonTool as never });
    doc.edges.push({ id: "e-py", type: "uses-tool", source: "agent", target: "py" });
    const compiled = compile(doc);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    expect(compiled.spec.tools.find((t) => t.kind === "python")).toEqual(result.ok && result.tool);
  });

  it("keeps an http tool's secret names and never a value", () => {
    const result = shareableTool(httpTool);
    if (!result.ok) throw new Error(result.message);
    expect(result.tool).toEqual(httpTool);
    expect(libraryToolSpecSchema.parse(result.tool)).toEqual(result.tool);
    expect(toolSecretNames(result.tool)).toEqual(["WEATHER_KEY"]);
    const python = shareableTool(pythonTool);
    expect(python.ok && toolSecretNames(python.tool)).toEqual([]);
  });

  it("fills the schema's defaults so the stored spec is complete", () => {
    const result = shareableTool({ kind: "http", name: "ping", url: "https://example.com/ping" });
    expect(result).toEqual({
      ok: true,
      tool: {
        kind: "http",
        name: "ping",
        description: "",
        method: "GET",
        url: "https://example.com/ping",
        inputs: {},
        outputType: "string",
      },
    });
  });

  it.each([
    [{ ...pythonTool, source: "" }, "Write the tool's Python function"],
    [{ ...pythonTool, source: "   \n" }, "Write the tool's Python function"],
    [{ ...pythonTool, name: "2fast" }, 'Tool name: "2fast" is not a Python identifier'],
    [{ ...pythonTool, name: "class" }, 'Tool name: "class" is a Python keyword'],
    [{ ...pythonTool, name: "" }, "Tool name: Name is required"],
    [{ ...pythonTool, source: "def other(x):\n    return x\n" }, 'define a function named "shout"'],
    [
      { ...pythonTool, source: `def shout(x):\n    return "${"x".repeat(100_001)}"\n` },
      "The Python source is over 100,000 characters",
    ],
    [{ ...httpTool, url: "" }, "The HTTP tool needs an http(s) URL"],
    [{ ...httpTool, url: "ftp://example.com" }, "The HTTP tool needs an http(s) URL"],
    [{ ...httpTool, secretHeaders: { Authorization: "lower_case" } }, "Secret names are UPPER_SNAKE_CASE"],
    [
      { ...httpTool, inputs: { "bad-name": { type: "string" } } },
      'Input name: "bad-name" is not a Python identifier',
    ],
    [{ kind: "library", itemId: "x", version: 1, name: "shout" }, "already from the team library"],
    [{ kind: "builtin", name: "web_search" }, "only python and HTTP tools are shared"],
    [{ kind: "shell", name: "rm" }, 'Only python and HTTP tools can be shared (not "shell")'],
    [null, "Only python and HTTP tools can be shared"],
    ["def f(): pass", "Only python and HTTP tools can be shared"],
  ])("refuses an incomplete or unshareable tool with a precise message (%#)", (input, message) => {
    const result = shareableTool(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });

  it("a shared spec resolves through the catalog and compiles into the agent", () => {
    const result = shareableTool(pythonTool);
    if (!result.ok) throw new Error(result.message);
    const catalog: ToolCatalog = {
      builtinTools: builtinToolNames,
      libraryTools: [{ itemId: "item1", version: 2, name: "shout", tool: result.tool }],
    };
    const doc = getTemplate("code-agent-web-search")!.document;
    doc.nodes.push({
      id: "lib",
      type: "tool",
      position: { x: 0, y: 0 },
      data: { kind: "library", itemId: "item1", version: 2, name: "shout" },
    });
    doc.edges.push({ id: "e-lib", type: "uses-tool", source: "agent", target: "lib" });
    const compiled = compile(doc, catalog);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    expect(compiled.spec.tools).toContainEqual(result.tool);
    expect(compile(doc, { ...catalog, libraryTools: [] })).toMatchObject({
      ok: false,
      issues: [
        {
          code: "unknown-tool",
          message: 'Library tool "shout" (version 2) was not found in the team library',
        },
      ],
    });
  });
});
