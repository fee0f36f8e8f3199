import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "@auth/core/jwt";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server as SocketServer } from "socket.io";
import type { AgentSpecInput } from "~/graph/agent-spec";
import type { PrismaClient } from "~/server/db";
import type { OpenAITestServer } from "./openai-server";

/**
 * A small two-step agent for run tests and benches: a ToolCallingAgent ("clerk") that looks a word
 * up through an HTTP tool, then answers with what the tool said. `scriptLookupClerk` makes a
 * scripted OpenAI server play the model; `startLookupToolServer` serves the tool.
 */
export function lookupClerkSpec(openaiUrl: string, toolUrl: string, description = ""): AgentSpecInput {
  return {
    type: "toolCalling",
    name: "clerk",
    description,
    model: { provider: "openai", model: "gpt-4o-mini", baseUrl: openaiUrl },
    tools: [
      {
        kind: "http",
        name: "lookup",
        description: "Look a word up.",
        method: "GET",
        url: `${toolUrl}/lookup?q={q}`,
        inputs: { q: { type: "string", description: "The word." } },
      },
    ],
    maxSteps: 5,
  };
}

/** Every model call takes `delayMs`; the engine renders observations as user messages. */
export function scriptLookupClerk(openai: OpenAITestServer, delayMs: number): void {
  openai.fallback = (request) => {
    const messages = request.body.messages as Array<{ role: string; content?: unknown }>;
    if (messages.some((m) => m.role === "assistant")) {
      const observation = JSON.stringify(messages.at(-1)?.content ?? "");
      const definition = /definition of \w+/.exec(observation)?.[0] ?? "no definition";
      return { delayMs, toolCalls: [{ name: "final_answer", arguments: { answer: definition } }] };
    }
    return { delayMs, toolCalls: [{ name: "lookup", arguments: { q: "troupe" } }] };
  };
}

export async function startLookupToolServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const word = new URL(req.url ?? "/", "http://x").searchParams.get("q");
    res.writeHead(200, { "content-type": "text/plain" }).end(`definition of ${word}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A session cookie for `user`, signed like Auth.js signs it. */
export async function sessionCookie(user: { id: string; sessionVersion: number }, secret: string) {
  const token = await encode({
    token: { sub: user.id, userId: user.id, sessionVersion: user.sessionVersion },
    secret,
    salt: "authjs.session-token",
  });
  return `authjs.session-token=${token}`;
}

/**
 * A web process's Socket.IO as src/server/main.ts sets it up: Redis adapter, cookie authentication,
 * run rooms. Modules are imported by the caller after it set DATABASE_URL and AUTH_SECRET.
 */
export async function startRunSocketServer(options: {
  db: PrismaClient;
  redisUrl: string;
  socketAuth: (socket: import("socket.io").Socket, next: (error?: Error) => void) => Promise<void>;
  attachRunRooms: (io: SocketServer, db: PrismaClient) => void;
}): Promise<{ url: string; io: SocketServer; close(): void }> {
  const http = createServer();
  const io = new SocketServer(http, { path: "/socket.io" });
  const pub = new Redis(options.redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
  io.use((socket, next) => void options.socketAuth(socket, next));
  options.attachRunRooms(io, options.db);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    io,
    close() {
      io.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}
