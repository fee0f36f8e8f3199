import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import pino from "pino";
import { Server as SocketServer } from "socket.io";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople } from "../integration/api/api-people";
import { createTestDatabase } from "../integration/api/test-database";

/**
 * The web boundary in front of the tRPC procedures and the Socket.IO handshake, against real
 * Postgres: cross-site mutations (CSRF), non-JSON bodies, oversized bodies and batches are refused
 * before any procedure runs, with nothing written; internal errors reach the client only as a
 * generic message with a reference that the log line shares.
 */
const APP_URL = "https://troupe.example";
const database = await createTestDatabase("web_boundary");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", APP_URL, NODE_ENV: "test" });
const { db, startDatabase } = await import("~/server/db");
const { createTrpcHandler } = await import("~/server/http/trpc-handler");
const { socketOriginCheck } = await import("~/server/http/origin");
const { trpcBounds } = await import("~/lib/trpc-bounds");
const { person } = await apiPeople();

const logLines: string[] = [];
const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
let alice: Awaited<ReturnType<typeof person>>;
let handler: (request: Request) => Promise<Response>;

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
  const session = {
    user: { id: alice.userId, name: "Alice", email: "alice@example.com" },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
  };
  handler = createTrpcHandler({ getSession: async () => session, logger: logger as never });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const base = "http://127.0.0.1/api/trpc";
const workflows = () => db.workflow.count({ where: { teamId: alice.teamId } });

function create(name: string, headers: Record<string, string>, body?: BodyInit): Promise<Response> {
  return handler(
    new Request(`${base}/workflow.create`, {
      method: "POST",
      headers,
      body: body ?? JSON.stringify({ json: { teamId: alice.teamId, name } }),
    }),
  );
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json()) as { error: { json: { message: string } } };
  return body.error.json.message;
}

describe("tRPC mutations", () => {
  it("accepts a JSON mutation from the app's origin", async () => {
    const before = await workflows();
    const response = await create("From the app", { origin: APP_URL, "content-type": "application/json" });
    expect(response.status).toBe(200);
    expect(await workflows()).toBe(before + 1);
  });

  it("refuses a mutation from another site (CSRF) with 403 and writes nothing", async () => {
    const before = await workflows();
    const response = await create("Planted", {
      origin: "https://attacker.example",
      "content-type": "application/json",
    });
    expect(response.status).toBe(403);
    expect(await errorMessage(response)).toContain("https://attacker.example may not change data here");
    expect(await workflows()).toBe(before);
  });

  it("refuses a mutation without an Origin header", async () => {
    const before = await workflows();
    const response = await create("No origin", { "content-type": "application/json" });
    expect(response.status).toBe(403);
    expect(await errorMessage(response)).toContain("no Origin header");
    expect(await workflows()).toBe(before);
  });

  it("refuses form and text bodies (what a cross-site form can send) with 415", async () => {
    const before = await workflows();
    const form = new FormData();
    form.append("teamId", alice.teamId);
    form.append("name", "Form");
    const multipart = await create("", { origin: APP_URL }, form);
    expect(multipart.status).toBe(415);
    expect(await errorMessage(multipart)).toContain("not multipart/form-data");
    const plain = await create("Text", { origin: APP_URL, "content-type": "text/plain" });
    expect(plain.status).toBe(415);
    expect(await workflows()).toBe(before);
  });

  it("refuses a body over the cap with 413, declared or streamed", async () => {
    const before = await workflows();
    const big = JSON.stringify({ json: { teamId: alice.teamId, name: "x".repeat(trpcBounds.maxBodyBytes) } });
    const declared = await create(
      "",
      { origin: APP_URL, "content-type": "application/json", "content-length": String(big.length) },
      big,
    );
    expect(declared.status).toBe(413);
    const stream = new Blob([big]).stream();
    const streamed = await handler(
      new Request(`${base}/workflow.create`, {
        method: "POST",
        headers: { origin: APP_URL, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(await errorMessage(streamed)).toContain("over 6 MB");
    expect(await workflows()).toBe(before);
  });
});

describe("tRPC batches", () => {
  const batch = (size: number) => {
    const paths = Array.from({ length: size }, () => "team.list").join(",");
    const input = Object.fromEntries(Array.from({ length: size }, (_, i) => [i, { json: null }]));
    return handler(
      new Request(`${base}/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`),
    );
  };

  it("answers a batch of the maximum size and refuses one more", async () => {
    const full = await batch(trpcBounds.maxBatchSize);
    expect(full.status).toBe(200);
    expect(await full.json()).toHaveLength(trpcBounds.maxBatchSize);
    const over = await batch(trpcBounds.maxBatchSize + 1);
    expect(over.status).toBe(400);
    expect(await errorMessage(over)).toBe(
      `Refused: ${trpcBounds.maxBatchSize + 1} procedures in one request; at most ${trpcBounds.maxBatchSize}.`,
    );
  });
});

describe("internal errors", () => {
  it("answers a database failure with a generic message and logs the real one under the same reference", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`ALTER TABLE "Workflow" RENAME TO "Workflow_away"`);
    try {
      const input = encodeURIComponent(JSON.stringify({ json: { teamId: alice.teamId } }));
      const response = await handler(new Request(`${base}/workflow.list?input=${input}`));
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toMatch(/relation|prisma|postgres|troupe_web|does not exist|public\.|stack|at /i);
      const body = JSON.parse(text) as { error: { json: { message: string; data: { requestId: string } } } };
      const { message, data } = body.error.json;
      expect(data.requestId).toMatch(/^[0-9a-f]{16}$/);
      expect(message).toBe(
        `Something went wrong on the server. If it keeps happening, report this reference: ${data.requestId}.`,
      );
      const logged = logLines
        .map((line) => JSON.parse(line))
        .find((line) => line.requestId === data.requestId);
      expect(logged).toMatchObject({ path: "workflow.list", msg: "tRPC procedure failed" });
      expect(JSON.stringify(logged.err)).toMatch(/Workflow/);
    } finally {
      await admin.query(`ALTER TABLE "Workflow_away" RENAME TO "Workflow"`);
      await admin.end();
    }
  });

  it("keeps the message of an expected error (not found, bad input)", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { workflowId: "nope" } }));
    const response = await handler(new Request(`${base}/workflow.get?input=${input}`));
    expect(response.status).toBe(404);
    expect(await errorMessage(response)).toBe("Workflow not found.");
  });
});

describe("Socket.IO handshake", () => {
  const server = createServer();
  const io = new SocketServer(server, {
    path: "/socket.io",
    serveClient: false,
    allowRequest: socketOriginCheck(),
  });
  let url = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => io.close(resolve));
  });

  /** Whether a handshake with these headers is accepted; the refusal's message otherwise. */
  async function handshake(transport: "websocket" | "polling", headers: Record<string, string>) {
    const socket = connect(url, {
      path: "/socket.io",
      transports: [transport],
      extraHeaders: headers,
      reconnection: false,
    });
    try {
      return await new Promise<string>((resolve) => {
        socket.once("connect", () => resolve("connected"));
        socket.once("connect_error", (error) => resolve(`refused: ${error.message}`));
      });
    } finally {
      socket.close();
    }
  }

  for (const transport of ["websocket", "polling"] as const) {
    it(`refuses a ${transport} handshake from another site, accepts the app's and a non-browser's`, async () => {
      expect(await handshake(transport, { origin: "https://attacker.example" })).toMatch(/^refused/);
      expect(await handshake(transport, { origin: APP_URL })).toBe("connected");
      expect(await handshake(transport, {})).toBe("connected");
    });
  }
});
