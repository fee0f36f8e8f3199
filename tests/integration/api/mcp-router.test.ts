import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { McpNodeData, WorkflowDocument } from "~/graph";
import { type McpTestServer, startMcpTestServer } from "../../helpers/mcp-test-server";
import { apiPeople, rejection } from "./api-people";

/**
 * MCP servers through the API against real Postgres and a real MCP server: the canvas's tool
 * discovery (editors over HTTP, admins only for stdio, the operator's list of commands, the outbound
 * policy), and who may save a stdio server into a workflow, and run start refusing a command off the list.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `troupe_mcp_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
await admin.end();
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
process.env.DATABASE_URL = url.toString();
// The operator lets stdio servers start `node`, and opens loopback (where the test server listens).
process.env.MCP_STDIO_COMMANDS = "node";
process.env.OUTBOUND_ALLOW = "127.0.0.1";

const { db, startDatabase } = await import("~/server/db");
const { person, callerFor } = await apiPeople();

let owner: Awaited<ReturnType<typeof person>>;
let editor: ReturnType<typeof callerFor>;
let workflowId: string;
let mcp: McpTestServer;

beforeAll(async () => {
  await startDatabase();
  mcp = await startMcpTestServer();
  owner = await person("Olga", "olga@example.com");
  const eddie = await person("Eddie", "eddie@example.com");
  await db.membership.create({ data: { teamId: owner.teamId, userId: eddie.userId, role: "editor" } });
  editor = callerFor({ id: eddie.userId, name: "Eddie", email: "eddie@example.com" });
  workflowId = (await owner.caller.workflow.create({ teamId: owner.teamId, name: "Tools" })).id;
});

afterAll(async () => {
  await mcp.close();
  await db.$disconnect();
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await client.end();
});

const httpServer = (): McpNodeData => ({
  name: "files",
  transport: "http",
  url: `${mcp.origin}/mcp`,
  command: "",
  args: [],
});
const stdioServer = (command = "node", args = ["tests/fixtures/mcp/stdio-server.mjs"]): McpNodeData => ({
  name: "local",
  transport: "stdio",
  url: "",
  command,
  args,
});

/** An agent on a replay model using one MCP server. */
function graph(server: McpNodeData, position = { x: 300, y: 0 }): WorkflowDocument {
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
        position: { x: 0, y: 200 },
        data: { provider: "replay", model: "replay", transcript: ["done"] },
      },
      { id: "server", type: "mcp", position, data: server },
    ],
    edges: [
      { id: "e1", type: "uses-model", source: "agent", target: "model" },
      { id: "e2", type: "uses-tool", source: "agent", target: "server" },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

describe("mcp.discoverTools", () => {
  it("lists an HTTP server's tools for an editor", async () => {
    const { tools } = await editor.mcp.discoverTools({ teamId: owner.teamId, server: httpServer() });
    expect(tools.map((tool) => tool.name)).toEqual([
      "add",
      "echo-text",
      "red-pixel",
      "environment",
      "pid",
      "sleep",
      "fail",
    ]);
    expect(tools[1]).toEqual({ name: "echo-text", description: "Echo a text back." });
  });

  it("refuses a private address the outbound policy does not open, and a node without a URL", async () => {
    const refused = await rejection(
      editor.mcp.discoverTools({
        teamId: owner.teamId,
        server: { ...httpServer(), url: "http://10.255.255.1/mcp" },
      }),
    );
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(
      /MCP server 'files': could not connect to http:\/\/10\.255\.255\.1\/mcp: Refused: 10\.255\.255\.1 is a private address/,
    );
    const empty = await rejection(
      editor.mcp.discoverTools({ teamId: owner.teamId, server: { ...httpServer(), url: "" } }),
    );
    expect(empty.code).toBe("BAD_REQUEST");
    expect(empty.message).toMatch(/MCP server url:/);
  });

  it("starts a stdio server for an admin only, and only a command on MCP_STDIO_COMMANDS", async () => {
    const forbidden = await rejection(
      editor.mcp.discoverTools({ teamId: owner.teamId, server: stdioServer() }),
    );
    expect(forbidden.code).toBe("FORBIDDEN");
    expect(forbidden.message).toMatch(/Only team admins may start an MCP server's program/);
    const { tools } = await owner.caller.mcp.discoverTools({ teamId: owner.teamId, server: stdioServer() });
    expect(tools.map((tool) => tool.name)).toContain("add");
    const offList = await rejection(
      owner.caller.mcp.discoverTools({
        teamId: owner.teamId,
        server: stdioServer("python3", ["-m", "http.server"]),
      }),
    );
    expect(offList.code).toBe("BAD_REQUEST");
    expect(offList.message).toBe(
      'The command "python3" is not on this server\'s list of MCP commands (MCP_STDIO_COMMANDS: node).',
    );
  });
});

describe("stdio MCP servers in workflows", () => {
  it("lets only admins add or change what a stdio server runs; editors may still move it and choose its tools", async () => {
    const stdio = { ...stdioServer(), tools: ["add"] };
    const added = await rejection(
      editor.workflow.saveGraph({ workflowId, revision: 0, graph: graph(stdio) }),
    );
    expect(added.code).toBe("FORBIDDEN");
    expect(added.message).toMatch(/Only team admins may add or change an MCP server that starts a program/);
    expect((await owner.caller.workflow.load({ workflowId })).revision).toBe(0);

    const saved = await owner.caller.workflow.saveGraph({ workflowId, revision: 0, graph: graph(stdio) });
    expect(saved.issues).toEqual([]);

    const moved = graph({ ...stdio, tools: ["add", "echo-text"] }, { x: 500, y: 40 });
    expect((await editor.workflow.saveGraph({ workflowId, revision: 1, graph: moved })).revision).toBe(2);

    const changed = graph({ ...stdio, args: ["-e", "require('child_process').execSync('id')"] });
    const refused = await rejection(editor.workflow.saveGraph({ workflowId, revision: 2, graph: changed }));
    expect(refused.code).toBe("FORBIDDEN");
    const stored = await owner.caller.workflow.load({ workflowId });
    expect(stored.graph.nodes.find((n) => n.id === "server")?.data).toMatchObject({
      args: ["tests/fixtures/mcp/stdio-server.mjs"],
      tools: ["add", "echo-text"],
    });
  });

  it("shows a command off the list as a problem of the node and refuses to start the run", async () => {
    const other = (await owner.caller.workflow.create({ teamId: owner.teamId, name: "Off list" })).id;
    const offList = { ...stdioServer("python3", ["server.py"]), tools: ["add"] };
    const saved = await owner.caller.workflow.saveGraph({
      workflowId: other,
      revision: 0,
      graph: graph(offList),
    });
    expect(saved.issues).toEqual([
      expect.objectContaining({
        code: "mcp-command-not-allowed",
        nodeId: "server",
        path: ["nodes", 2, "data", "command"],
      }),
    ]);
    const start = await rejection(owner.caller.run.start({ workflowId: other, task: "Add." }));
    expect(start.code).toBe("BAD_REQUEST");
    expect(start.message).toMatch(
      /This workflow cannot run yet: The command "python3" is not on this server's list of MCP commands/,
    );
    expect(await db.run.count({ where: { workflowId: other } })).toBe(0);
  });
});
