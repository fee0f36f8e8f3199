import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { discoverMcpTools, mcpDeps } from "~/agents";
import { type BuildAgentDeps, buildAgent } from "~/agents/build-agent";
import { AgentConfigError } from "~/agents/errors";
import type { RunEvent } from "~/agents/events";
import { createExecutor } from "~/agents/executors";
import { OpenAICompatibleModel } from "~/agents/models/openai-compatible-model";
import type { AgentSpecInput, McpToolSpec } from "~/graph/agent-spec";
import { mcpToolSpecSchema } from "~/graph/agent-spec";
import { redPixelPng } from "../../fixtures/mcp/test-tools.mjs";
import { type McpTestServer, startMcpTestServer } from "../../helpers/mcp-test-server";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/**
 * MCP servers as engine tools, against a real MCP server built with the SDK: over Streamable HTTP,
 * legacy SSE and stdio (a Node script), used by a ToolCallingAgent (the real `openai` client against
 * the scripted server) and a CodeAgent (Pyodide, replay model).
 */

let mcp: McpTestServer;
let openai: OpenAITestServer;
beforeAll(async () => {
  mcp = await startMcpTestServer();
  openai = await startOpenAIServer();
});
afterEach(() => openai.reset());
afterAll(async () => {
  await mcp.close();
  await openai.close();
});

const stdioScript = "tests/fixtures/mcp/stdio-server.mjs";
const secrets: Record<string, string> = { MCP_TOKEN: "tok-123", TEST_TOKEN: "env-456" };

/** Loopback is refused unless allowed: these tests open the MCP server's port, as OUTBOUND_ALLOW would. */
const deps = (overrides: Partial<BuildAgentDeps> = {}): BuildAgentDeps => ({
  resolveSecret: async (name) => (name in secrets ? { value: secrets[name]! } : undefined),
  createExecutor: (spec, options) => createExecutor(spec, options),
  outbound: { allow: [mcp.host] },
  mcp: { stdioCommands: ["node"], stdioPath: process.env.PATH },
  ...overrides,
});

const server = (spec: Partial<McpToolSpec> & Pick<McpToolSpec, "transport">): McpToolSpec =>
  mcpToolSpecSchema.parse({ kind: "mcp", name: "testsrv", ...spec });
const http = (tools?: string[], extra: Partial<McpToolSpec> = {}) =>
  server({ transport: "http", url: `${mcp.origin}/mcp`, tools, ...extra });
const stdio = (tools?: string[], extra: Partial<McpToolSpec> = {}) =>
  server({ transport: "stdio", command: "node", args: [stdioScript], tools, ...extra });

const toolCalling = (tools: McpToolSpec[]): AgentSpecInput => ({
  type: "toolCalling",
  name: "helper",
  model: { provider: "openai", model: "scripted" },
  tools,
});

async function collect(run: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of run) events.push(event);
  return events;
}

const observations = (events: RunEvent[]) =>
  events.flatMap((event) => (event.type === "observation" ? [event] : []));

describe("MCP servers as engine tools", () => {
  it("lists a server's tools over Streamable HTTP and over stdio", async () => {
    const names = ["add", "echo-text", "red-pixel", "environment", "pid", "sleep", "fail"];
    const overHttp = await discoverMcpTools(http(), mcpDeps(deps(), "testsrv"));
    expect(overHttp.map((tool) => tool.name)).toEqual(names);
    expect(overHttp[0]).toEqual({ name: "add", description: "Add two integers." });
    const overStdio = await discoverMcpTools(stdio(), mcpDeps(deps(), "testsrv"));
    expect(overStdio.map((tool) => tool.name)).toEqual(names);
  });

  it("gives a ToolCallingAgent the chosen tools over Streamable HTTP: schemas, structured content, images, errors", async () => {
    openai.enqueue(
      {
        toolCalls: [
          { name: "add", arguments: { a: 2, b: 3 } },
          { name: "echo_text", arguments: { text: "hi" } },
          { name: "red_pixel", arguments: {} },
          { name: "fail", arguments: {} },
        ],
      },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "5" } }] },
    );
    const agent = await buildAgent(toolCalling([http(["add", "echo-text", "red-pixel", "fail"])]), {
      ...deps(),
      modelOverride: new OpenAICompatibleModel({ model: "scripted", baseUrl: openai.url }),
    });
    try {
      const run = agent.run("Add 2 and 3", { stream: true });
      const events = await collect(run);
      const result = await run.result;
      expect(result.state).toBe("success");
      expect(result.output).toBe("5");
      // The model saw the MCP tools under Python names, with their JSON schemas.
      const body = openai.requests[0]!.body as {
        tools: {
          function: { name: string; parameters: { properties: Record<string, unknown>; required: string[] } };
        }[];
      };
      const add = body.tools.find((tool) => tool.function.name === "add")!;
      expect(add.function.parameters.properties.a).toMatchObject({
        type: "integer",
        description: "first addend",
      });
      expect(add.function.parameters.required).toEqual(["a", "b"]);
      expect(body.tools.map((tool) => tool.function.name).sort()).toEqual([
        "add",
        "echo_text",
        "fail",
        "final_answer",
        "red_pixel",
      ]);
      const seen = observations(events);
      expect(seen.map((event) => event.observation)).toEqual([
        '{"sum":5}',
        "echo: hi",
        "Stored image (red_pixel output) shown below.",
      ]);
      expect(seen[2]!.images).toEqual([`data:image/png;base64,${redPixelPng}`]);
      const error = events.find((event) => event.type === "error");
      expect(error?.type === "error" && error.error.message).toMatch(
        /Error executing tool 'fail': the disk is full/,
      );
    } finally {
      await agent.close();
    }
  });

  it("gives a CodeAgent the tools of a stdio server, whose process gets only PATH and the named secrets and ends with the run", async () => {
    const code = (source: string) => `Thought: go.\n<code>\n${source}\n</code>`;
    const spec: AgentSpecInput = {
      type: "code",
      name: "coder",
      model: {
        provider: "replay",
        transcript: [
          code('total = add(a=2, b=3)\nprint(total["sum"])\nprint(environment())\nprint("pid=" + pid())'),
          code('final_answer(echo_text(text="done"))'),
        ],
      },
      tools: [
        stdio(["add", "echo-text", "environment", "pid"], { envSecrets: { MCP_TEST_TOKEN: "TEST_TOKEN" } }),
      ],
      executor: { kind: "pyodide" },
    };
    const agent = await buildAgent(spec, deps());
    let pid: number;
    try {
      const run = agent.run("Add 2 and 3", { stream: true });
      const events = await collect(run);
      const result = await run.result;
      expect(result.state).toBe("success");
      expect(result.output).toBe("echo: done");
      const logs = observations(events)[0]!.observation;
      expect(logs).toContain("5\n");
      const environment = JSON.parse(logs.split("\n").find((line) => line.startsWith("{"))!);
      expect(environment).toEqual({ keys: ["MCP_TEST_TOKEN", "PATH"], token: "env-456" });
      pid = Number(/pid=(\d+)/.exec(logs)?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(() => process.kill(pid, 0)).not.toThrow();
    } finally {
      await agent.close();
    }
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it("refuses a stdio command off the allow-list, and all of stdio when the list is empty", async () => {
    const python = server({ transport: "stdio", command: "python3", args: ["-c", "print(1)"] });
    await expect(buildAgent(toolCalling([python]), deps())).rejects.toThrow(
      /MCP server 'testsrv': The command "python3" is not on this server's list of MCP commands \(MCP_STDIO_COMMANDS: node\)/,
    );
    await expect(buildAgent(toolCalling([stdio()]), deps({ mcp: {} }))).rejects.toThrow(
      /Stdio MCP servers are off on this server/,
    );
  });

  it("refuses a private MCP URL unless the outbound policy opens it", async () => {
    const build = buildAgent(toolCalling([http()]), deps({ outbound: {} }));
    await expect(build).rejects.toBeInstanceOf(AgentConfigError);
    await expect(build).rejects.toThrow(
      /MCP server 'testsrv': could not connect to http:\/\/127\.0\.0\.1:\d+\/mcp: Refused: 127\.0\.0\.1 is a loopback address/,
    );
  });

  it("times out a hanging server on connect and on a call, naming the server", async () => {
    await expect(
      buildAgent(
        toolCalling([server({ transport: "http", url: `${mcp.origin}/hang`, timeoutSeconds: 1 })]),
        deps(),
      ),
    ).rejects.toThrow(
      /MCP server 'testsrv': could not connect to http:\/\/127\.0\.0\.1:\d+\/hang: no answer within 1 s/,
    );
    await expect(
      buildAgent(
        toolCalling([stdio(undefined, { args: [stdioScript, "--hang"], timeoutSeconds: 1 })]),
        deps(),
      ),
    ).rejects.toThrow(/MCP server 'testsrv': could not connect to the command node: no answer within 1 s/);

    openai.enqueue(
      { toolCalls: [{ name: "sleep", arguments: { ms: 5000 } }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "gave up" } }] },
    );
    const agent = await buildAgent(toolCalling([http(["sleep"], { timeoutSeconds: 1 })]), {
      ...deps(),
      modelOverride: new OpenAICompatibleModel({ model: "scripted", baseUrl: openai.url }),
    });
    try {
      const started = Date.now();
      const run = agent.run("Sleep", { stream: true });
      const events = await collect(run);
      expect((await run.result).output).toBe("gave up");
      expect(Date.now() - started).toBeLessThan(4000);
      const error = events.find((event) => event.type === "error");
      expect(error?.type === "error" && error.error.message).toMatch(
        /MCP server 'testsrv' did not answer the call to 'sleep' within 1 s/,
      );
    } finally {
      await agent.close();
    }
  });

  it("falls back to legacy SSE, sends secret headers, and names a chosen tool the server lacks", async () => {
    const legacy = server({
      transport: "http",
      url: `${mcp.origin}/sse`,
      secretHeaders: { Authorization: "MCP_TOKEN" },
    });
    const tools = await discoverMcpTools(legacy, mcpDeps(deps(), "testsrv"));
    expect(tools.map((tool) => tool.name)).toContain("add");
    expect(mcp.requests.filter((r) => r.path === "/sse" && r.method === "GET").at(-1)?.authorization).toBe(
      "tok-123",
    );
    await expect(buildAgent(toolCalling([http(["add", "nope"])]), deps())).rejects.toThrow(
      /MCP server 'testsrv' has no tool 'nope' \(it offers: add, echo-text, red-pixel, environment, pid, sleep, fail\)/,
    );
  });
});
