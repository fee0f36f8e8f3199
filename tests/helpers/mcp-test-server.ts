import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createTestMcpServer } from "../fixtures/mcp/test-tools.mjs";

/**
 * The test MCP server (tests/fixtures/mcp/test-tools.mjs) over HTTP on 127.0.0.1, port 0:
 * `/mcp` speaks Streamable HTTP (stateless: a server per request), `/sse` + `/messages` the legacy
 * HTTP+SSE protocol (and `/sse` answers a Streamable HTTP POST with 405, as old servers do), and
 * `/hang` accepts requests and never answers. Records the headers of every request.
 */
export interface McpTestServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** host:port, for an outbound allow-list. */
  readonly host: string;
  readonly requests: { path: string; method: string; authorization?: string }[];
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startMcpTestServer(): Promise<McpTestServer> {
  const requests: McpTestServer["requests"] = [];
  const sse = new Map<string, SSEServerTransport>();
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    requests.push({
      path: url.pathname,
      method: request.method ?? "GET",
      authorization: request.headers.authorization,
    });
    try {
      if (url.pathname === "/mcp") {
        if (request.method !== "POST") {
          response.writeHead(405).end();
          return;
        }
        const mcp = createTestMcpServer();
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        response.on("close", () => {
          void transport.close();
          void mcp.close();
        });
        await mcp.connect(transport);
        await transport.handleRequest(request, response, await readJson(request));
      } else if (url.pathname === "/sse" && request.method === "GET") {
        const transport = new SSEServerTransport("/messages", response);
        sse.set(transport.sessionId, transport);
        response.on("close", () => sse.delete(transport.sessionId));
        await createTestMcpServer().connect(transport);
      } else if (url.pathname === "/sse") {
        response.writeHead(405).end();
      } else if (url.pathname === "/messages") {
        const transport = sse.get(url.searchParams.get("sessionId") ?? "");
        if (!transport) {
          response.writeHead(404).end("no session");
          return;
        }
        await transport.handlePostMessage(request, response);
      } else if (url.pathname === "/hang") {
        hanging.add(request);
      } else {
        response.writeHead(404).end();
      }
    } catch (error) {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const request of hanging) request.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
