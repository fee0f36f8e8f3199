import type { McpToolSpec } from "~/graph/agent-spec";
import { stdioCommandProblem } from "~/graph/mcp-server";
import { AgentConfigError } from "../errors";
import type { BoundSecret } from "../net/guarded-fetch";
import { McpConnection, type McpEndpoint } from "./mcp-connection";
import { McpTool, pythonName } from "./mcp-tool";

/** What the host decides for MCP servers; the engine reads no environment. */
export interface McpHostOptions {
  /**
   * Commands a stdio server may start, exactly as a spec names them (the operator's
   * MCP_STDIO_COMMANDS). Absent or empty: stdio servers are refused.
   */
  stdioCommands?: readonly string[];
  /** The PATH a stdio server gets (its only variable besides the secrets its spec names). */
  stdioPath?: string;
}

/** Time to connect and for each call when the spec sets none. */
export const defaultMcpTimeoutMs = 60_000;
/** A long-lived MCP stream may carry many answers; each is still timed by the session. */
const streamMaxBytes = 64 * 1024 * 1024;
const streamTimeoutMs = 24 * 60 * 60 * 1000;

export interface McpServerToolsDeps {
  host?: McpHostOptions;
  /** A secret a tool may send (never an installation key), by name; throws when it is not set. */
  secret(name: string): Promise<BoundSecret>;
  /** The guarded fetch for this server's requests, checking these secrets' bindings. */
  fetch(options: {
    secrets: readonly BoundSecret[];
    timeoutMs: number;
    maxResponseBytes: number;
  }): typeof globalThis.fetch;
  signal?: AbortSignal;
}

/** Open connections of one agent tree, keyed by what they connect to: one session per server per run. */
export class McpConnections {
  private readonly open = new Map<string, Promise<McpConnection>>();

  /** The session for `spec`, opening it on first use. */
  get(spec: McpToolSpec, deps: McpServerToolsDeps): Promise<McpConnection> {
    const key = JSON.stringify([
      spec.name,
      spec.transport,
      spec.url,
      spec.secretHeaders,
      spec.command,
      spec.args,
      spec.envSecrets,
      spec.timeoutSeconds,
    ]);
    let connection = this.open.get(key);
    if (!connection) {
      connection = connect(spec, deps);
      this.open.set(key, connection);
    }
    return connection;
  }

  /** Close every session (after a build that failed half-way). */
  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.open.values()].map((connection) => connection.then((c) => c.close()).catch(() => undefined)),
    );
    this.open.clear();
  }
}

async function endpointOf(
  spec: McpToolSpec,
  deps: McpServerToolsDeps,
  timeoutMs: number,
): Promise<McpEndpoint> {
  const server = `MCP server '${spec.name}'`;
  if (spec.transport === "stdio") {
    const command = spec.command ?? "";
    const refused = stdioCommandProblem(command, deps.host?.stdioCommands ?? []);
    if (refused) throw new AgentConfigError(`${server}: ${refused}`);
    const env: Record<string, string> = deps.host?.stdioPath ? { PATH: deps.host.stdioPath } : {};
    for (const [variable, name] of Object.entries(spec.envSecrets ?? {})) {
      const secret = await deps.secret(name);
      if (secret.allowedOrigins) {
        throw new AgentConfigError(
          `${server}: the secret ${name} may only be sent to ${secret.allowedOrigins.join(", ")}; a stdio server could send it anywhere`,
        );
      }
      env[variable] = secret.value;
    }
    return { transport: "stdio", command, args: spec.args ?? [], env };
  }
  if (!spec.url) throw new AgentConfigError(`${server} has no URL`);
  const headers: Record<string, string> = {};
  const secrets: BoundSecret[] = [];
  for (const [header, name] of Object.entries(spec.secretHeaders ?? {})) {
    const secret = await deps.secret(name);
    headers[header] = secret.value;
    secrets.push(secret);
  }
  return {
    transport: spec.transport,
    url: spec.url,
    headers,
    fetch: deps.fetch({
      secrets,
      timeoutMs: Math.max(streamTimeoutMs, timeoutMs),
      maxResponseBytes: streamMaxBytes,
    }),
  };
}

async function connect(spec: McpToolSpec, deps: McpServerToolsDeps): Promise<McpConnection> {
  const timeoutMs = spec.timeoutSeconds ? spec.timeoutSeconds * 1000 : defaultMcpTimeoutMs;
  const endpoint = await endpointOf(spec, deps, timeoutMs);
  return McpConnection.open({ server: spec.name, endpoint, timeoutMs, signal: deps.signal });
}

/**
 * The engine tools of one MCP server spec: its session is opened (or shared with another agent of
 * the run naming the same server), its tools listed and the chosen ones (`spec.tools`; all when
 * absent) wrapped. A chosen tool the server does not offer is an error naming both.
 */
export async function mcpServerTools(
  spec: McpToolSpec,
  connections: McpConnections,
  deps: McpServerToolsDeps,
): Promise<McpTool[]> {
  let connection: McpConnection;
  try {
    connection = await connections.get(spec, deps);
  } catch (error) {
    if (error instanceof AgentConfigError) throw error;
    throw new AgentConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  let offered: Awaited<ReturnType<McpConnection["listTools"]>>;
  try {
    offered = await connection.listTools(deps.signal);
  } catch (error) {
    throw new AgentConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const chosen = spec.tools ? offered.filter((tool) => spec.tools?.includes(tool.name)) : offered;
  const missing = (spec.tools ?? []).filter((name) => !offered.some((tool) => tool.name === name));
  if (missing.length > 0) {
    throw new AgentConfigError(
      `MCP server '${spec.name}' has no tool ${missing.map((name) => `'${name}'`).join(", ")} (it offers: ${offered.map((tool) => tool.name).join(", ") || "none"})`,
    );
  }
  const names = new Map<string, string>();
  return chosen.map((definition) => {
    const local = pythonName(definition.name);
    const clash = names.get(local);
    if (clash !== undefined) {
      throw new AgentConfigError(
        `MCP server '${spec.name}': tools '${clash}' and '${definition.name}' have the same Python name '${local}'`,
      );
    }
    names.set(local, definition.name);
    try {
      return new McpTool(connection, definition);
    } catch (error) {
      throw new AgentConfigError(
        `MCP server '${spec.name}', tool '${definition.name}': ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  });
}

/** A tool a server offers, as the canvas lists it. */
export interface McpToolSummary {
  name: string;
  description: string;
}

/**
 * Ask a server which tools it offers (the canvas's "Refresh tools"): one short session, closed
 * before this returns, under the same rules as a run (allow-list, secrets, guarded fetch, timeout).
 */
export async function discoverMcpTools(
  spec: McpToolSpec,
  deps: McpServerToolsDeps,
): Promise<McpToolSummary[]> {
  const connection = await connect(spec, deps).catch((error: unknown) => {
    if (error instanceof AgentConfigError) throw error;
    throw new AgentConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  });
  try {
    const tools = await connection.listTools(deps.signal);
    return tools.map((tool) => ({ name: tool.name, description: tool.description ?? tool.title ?? "" }));
  } catch (error) {
    throw new AgentConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  } finally {
    await connection.close();
  }
}
