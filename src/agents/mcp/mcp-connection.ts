import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  type Tool as McpToolDefinition,
} from "@modelcontextprotocol/sdk/types.js";
import type { McpTransport } from "~/graph/agent-spec";
import { findOutboundError } from "../net/guarded-fetch";
import { type McpClientTransport, StdioProcessTransport } from "./stdio-process-transport";

/** Where an MCP server is: an HTTP endpoint, or a program the worker starts. */
export type McpEndpoint =
  | {
      transport: Exclude<McpTransport, "stdio">;
      url: string;
      /** Headers sent with every request (secrets already resolved). */
      headers: Readonly<Record<string, string>>;
      /** The guarded fetch every request goes through. */
      fetch: typeof globalThis.fetch;
    }
  | {
      transport: "stdio";
      command: string;
      args: readonly string[];
      /** The process's whole environment. */
      env: Readonly<Record<string, string>>;
    };

export interface McpConnectOptions {
  /** The server's name in the agent spec: every error names it. */
  server: string;
  endpoint: McpEndpoint;
  /** Time to connect and list the tools, and for each tool call. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A tool definition as the server lists it. */
export type McpToolInfo = McpToolDefinition;

const clientInfo = { name: "troupe", version: "1.0.0" };

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function reason(error: unknown): string {
  const outbound = findOutboundError(error);
  if (outbound) return outbound.message;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout)
    return "it did not answer in time";
  return error instanceof Error ? error.message : String(error);
}

/** A server that answers the Streamable HTTP POST with 4xx speaks the older HTTP+SSE protocol. */
function speaksLegacySse(error: unknown): boolean {
  return (
    error instanceof StreamableHTTPError &&
    typeof error.code === "number" &&
    error.code >= 400 &&
    error.code < 500
  );
}

/**
 * One session with one MCP server for one run: opened when the agent is built (its tool list shapes
 * the prompt), used by every tool of that server, closed with the agent. Timeouts and failures come
 * back as errors naming the server ("MCP server 'files': …").
 */
export class McpConnection {
  private closed: Promise<void> | undefined;

  private constructor(
    readonly server: string,
    private readonly client: Client,
    private readonly timeoutMs: number,
    private readonly describe: string,
  ) {}

  /** Connect (Streamable HTTP falling back to legacy SSE for `http`), within the timeout. */
  static async open(options: McpConnectOptions): Promise<McpConnection> {
    const { endpoint, server, timeoutMs } = options;
    const where = endpoint.transport === "stdio" ? `the command ${endpoint.command}` : endpoint.url;
    const attempt = async (transport: McpClientTransport): Promise<Client> => {
      const client = new Client(clientInfo, { capabilities: {} });
      try {
        await client.connect(transport, { timeout: timeoutMs, signal: options.signal });
        return client;
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
    };
    const failure = (error: unknown, stderr?: string): McpServerError => {
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      const why = timedOut ? `no answer within ${seconds(timeoutMs)}` : reason(error);
      const tail = stderr ? ` (its stderr: ${stderr.slice(-500)})` : "";
      return new McpServerError(`MCP server '${server}': could not connect to ${where}: ${why}${tail}`, {
        cause: error,
      });
    };
    const fail = (error: unknown): never => {
      throw failure(error);
    };
    let client: Client;
    if (endpoint.transport === "stdio") {
      const transport = new StdioProcessTransport(endpoint);
      client = await attempt(transport).catch((error: unknown) => {
        throw failure(error, transport.stderrTail());
      });
    } else {
      const url = new URL(endpoint.url);
      const init = { requestInit: { headers: { ...endpoint.headers } }, fetch: endpoint.fetch };
      if (endpoint.transport === "sse") {
        client = await attempt(new SSEClientTransport(url, init)).catch(fail);
      } else {
        try {
          client = await attempt(new StreamableHTTPClientTransport(url, init));
        } catch (error) {
          if (!speaksLegacySse(error)) throw failure(error);
          client = await attempt(new SSEClientTransport(url, init)).catch(fail);
        }
      }
    }
    return new McpConnection(server, client, timeoutMs, where);
  }

  /** Every tool the server offers (all pages). */
  async listTools(signal?: AbortSignal): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.listTools(cursor ? { cursor } : undefined, {
          timeout: this.timeoutMs,
          signal,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor && tools.length < 10_000);
    } catch (error) {
      throw new McpServerError(
        `MCP server '${this.server}': listing its tools at ${this.describe} failed: ${reason(error)}`,
        { cause: error },
      );
    }
    return tools;
  }

  /** Call one tool; a timeout or a broken session is an error naming the server and the tool. */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    try {
      return (await this.client.callTool({ name, arguments: args }, undefined, {
        timeout: this.timeoutMs,
        signal,
      })) as CallToolResult;
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new McpServerError(
          `MCP server '${this.server}' did not answer the call to '${name}' within ${seconds(this.timeoutMs)}`,
          { cause: error },
        );
      }
      throw new McpServerError(`MCP server '${this.server}', tool '${name}': ${reason(error)}`, {
        cause: error,
      });
    }
  }

  /** End the session (and the process of a stdio server). Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.client.close().catch(() => undefined);
    return this.closed;
  }
}

/** A failure talking to an MCP server; the message names the server. */
export class McpServerError extends Error {
  override readonly name = "McpServerError";
}
