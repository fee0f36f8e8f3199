import { describe, expect, it } from "vitest";
import {
  agentSpecSchema,
  changedStdioServers,
  compile,
  type McpNodeData,
  migrate,
  validate,
  type WorkflowDocument,
} from "~/graph";

/** MCP server nodes: what validation says on the canvas, what compile emits, old documents, admin-only changes. */

function doc(server: Partial<McpNodeData>): WorkflowDocument {
  return {
    version: 1,
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 0, y: 0 },
        data: {
          agentType: "toolCalling",
          name: "helper",
          description: "",
          instructions: "",
          maxSteps: 5,
          addBaseTools: false,
          additionalAuthorizedImports: [],
        },
      },
      {
        id: "model",
        type: "model",
        position: { x: 0, y: 100 },
        data: { provider: "replay", model: "replay", transcript: ["ok"] },
      },
      {
        id: "srv",
        type: "mcp",
        position: { x: 200, y: 0 },
        data: { name: "files", transport: "http", url: "", command: "", args: [], ...server },
      },
    ],
    edges: [
      { id: "e1", type: "uses-model", source: "agent", target: "model" },
      { id: "e2", type: "uses-tool", source: "agent", target: "srv" },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

const problems = (document: WorkflowDocument, commands?: string[]) =>
  validate(document, { mcpStdioCommands: commands }).map((issue) => [
    issue.code,
    issue.path.at(-1),
    issue.message,
  ]);

describe("MCP server nodes", () => {
  it("say on the canvas what is missing: the URL, the command, the chosen tools", () => {
    expect(problems(doc({}))).toEqual([
      ["invalid-url", "url", "MCP server URL must be an http(s) URL"],
      ["mcp-no-tools", "tools", "Choose the server's tools for the agent: Refresh tools lists them"],
    ]);
    expect(
      problems(doc({ transport: "stdio", discoveredTools: [{ name: "add", description: "" }], tools: [] })),
    ).toEqual([
      ["missing-field", "command", "A stdio MCP server needs a command (a program on the server's list)"],
      ["mcp-no-tools", "tools", "Choose at least one of the server's tools for the agent"],
    ]);
    expect(problems(doc({ url: "https://mcp.example.com/mcp", tools: ["add"] }))).toEqual([]);
  });

  it("refuse a stdio command off the operator's list, and every command when the list is empty", () => {
    const stdio = doc({ transport: "stdio", command: "bash", args: ["-c", "id"], tools: ["x"] });
    expect(problems(stdio, ["node", "uvx"])).toEqual([
      [
        "mcp-command-not-allowed",
        "command",
        'The command "bash" is not on this server\'s list of MCP commands (MCP_STDIO_COMMANDS: node, uvx)',
      ],
    ]);
    expect(problems(stdio, [])[0]?.[2]).toMatch(/Stdio MCP servers are off on this server/);
    expect(problems(doc({ transport: "stdio", command: "node", tools: ["x"] }), ["node"])).toEqual([]);
  });

  it("refuse an installation key or a host-bound secret in a stdio server's environment", () => {
    const stdio = doc({
      transport: "stdio",
      command: "node",
      tools: ["x"],
      envSecrets: { OPENAI_API_KEY: "OPENAI_API_KEY", TOKEN: "BOUND" },
    });
    const issues = validate(stdio, { teamSecrets: [{ name: "BOUND", allowedHost: "api.example.com" }] });
    expect(issues.map((issue) => [issue.code, issue.path.at(-1)])).toEqual([
      ["secret-not-allowed", "OPENAI_API_KEY"],
      ["secret-not-allowed", "TOKEN"],
    ]);
    expect(issues[1]?.message).toBe(
      "The secret BOUND may only be sent to api.example.com; a stdio MCP server could send it anywhere",
    );
  });

  it("compile to a spec with only their transport's fields", () => {
    const http = compile(
      doc({
        url: "https://mcp.example.com/mcp",
        tools: ["add"],
        command: "node",
        secretHeaders: { Authorization: "TOKEN" },
      }),
    );
    expect(http.ok && http.spec.tools).toEqual([
      {
        kind: "mcp",
        name: "files",
        transport: "http",
        url: "https://mcp.example.com/mcp",
        secretHeaders: { Authorization: "TOKEN" },
        tools: ["add"],
      },
    ]);
    const stdio = compile(
      doc({
        transport: "stdio",
        url: "https://ignored.example.com",
        command: "node",
        args: ["server.mjs", "--flag"],
        envSecrets: { API_TOKEN: "TOKEN" },
        tools: ["add"],
        timeoutSeconds: 5,
      }),
    );
    expect(stdio.ok && stdio.spec.tools).toEqual([
      {
        kind: "mcp",
        name: "files",
        transport: "stdio",
        command: "node",
        args: ["server.mjs", "--flag"],
        envSecrets: { API_TOKEN: "TOKEN" },
        tools: ["add"],
        timeoutSeconds: 5,
      },
    ]);
  });

  it("agent files name a stdio server's arguments as an array and refuse unknown keys", () => {
    const base = { type: "toolCalling", name: "a", model: { provider: "replay", transcript: [] } } as const;
    const shell = agentSpecSchema.safeParse({
      ...base,
      tools: [{ kind: "mcp", name: "s", transport: "stdio", command: "node", args: "server.mjs --flag" }],
    });
    expect(shell.success).toBe(false);
    const unknown = agentSpecSchema.safeParse({
      ...base,
      tools: [{ kind: "mcp", name: "s", url: "https://x.example.com", include: ["a"] }],
    });
    expect(unknown.error?.issues[0]?.message).toBe("Unknown key 'include'");
    const noCommand = agentSpecSchema.safeParse({
      ...base,
      tools: [{ kind: "mcp", name: "s", transport: "stdio" }],
    });
    expect(noCommand.error?.issues[0]?.message).toBe("A stdio MCP server needs a command");
  });

  it("keep old documents: an `include` list becomes the chosen tools", () => {
    const old = doc({ url: "https://mcp.example.com/mcp" }) as unknown as {
      nodes: { type: string; data: Record<string, unknown> }[];
    };
    const server = old.nodes[2]!;
    server.data = { name: "files", url: "https://mcp.example.com/mcp", include: ["read_file"] };
    const result = migrate(old);
    expect(result.ok && result.migrated).toBe(true);
    expect(result.ok && result.document.nodes[2]?.data).toEqual({
      name: "files",
      transport: "http",
      url: "https://mcp.example.com/mcp",
      command: "",
      args: [],
      tools: ["read_file"],
    });
  });

  it("name the stdio servers a save adds or changes (by node id), not ones only moved or given tools", () => {
    const before = doc({ transport: "stdio", command: "node", args: ["a.mjs"], tools: ["x"] });
    const moved = structuredClone(before);
    moved.nodes[2]!.position = { x: 900, y: 900 };
    (moved.nodes[2]!.data as McpNodeData).tools = ["x", "y"];
    expect(changedStdioServers(before, moved)).toEqual([]);
    const changed = structuredClone(before);
    (changed.nodes[2]!.data as McpNodeData).args = ["b.mjs"];
    expect(changedStdioServers(before, changed)).toEqual([{ nodeId: "srv", name: "files" }]);
    expect(changedStdioServers(undefined, before)).toEqual([{ nodeId: "srv", name: "files" }]);
    expect(changedStdioServers(before, doc({ url: "https://x.example.com" }))).toEqual([]);
  });
});
