import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { CURRENT_WORKFLOW_VERSION, edgeOfKind, type WorkflowDocument } from "~/graph";
import type { PrismaClient } from "~/server/db";
import { createTestDatabase } from "../integration/api/test-database";

/**
 * The HTTP API for integration tests, for real but without a Next build: a Postgres database of its own,
 * the worker in the process (in-process queue), and a Node HTTP server that serves every route handler
 * under src/app/api/v1 as Next's App Router would (folder = path, `[name]` = a parameter, the exported
 * GET/POST/DELETE/OPTIONS functions called with a Fetch `Request` and `{ params }`), so the official
 * `openai` client, the MCP SDK's client, curl-like fetches and EventSource readers talk to it over TCP.
 *
 * Call `prepareApiEnvironment` before anything imports `~/env` or `~/server/db` (top of the test file),
 * then `startApiHarness`.
 */
export async function prepareApiEnvironment(label: string, extra: Record<string, string> = {}) {
  const database = await createTestDatabase(label);
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    REDIS_URL: "",
    SECRETS_KEY: "cd".repeat(32),
    LOG_LEVEL: "warn",
    ...extra,
  });
  return database;
}

type RouteModule = Partial<
  Record<
    string,
    (
      request: Request,
      context: { params: Promise<Record<string, string | string[]>> },
    ) => Promise<Response> | Response
  >
>;

interface Route {
  pattern: RegExp;
  names: string[];
  file: string;
}

const API_ROOT = path.resolve("src/app/api/v1");

/** Every route.ts under src/app/api/v1, as a path pattern (static segments before dynamic ones). */
function discoverRoutes(dir = API_ROOT, segments: string[] = []): Route[] {
  const routes: Route[] = [];
  if (!existsSync(dir)) return routes;
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) routes.push(...discoverRoutes(full, [...segments, entry]));
    else if (entry === "route.ts") {
      const names: string[] = [];
      const source = segments
        .filter((segment) => !/^\(.*\)$/.test(segment))
        .map((segment) => {
          const catchAll = /^\[\.\.\.(\w+)\]$/.exec(segment);
          if (catchAll) {
            names.push(catchAll[1]!);
            return "(.+)";
          }
          const dynamic = /^\[(\w+)\]$/.exec(segment);
          if (dynamic) {
            names.push(dynamic[1]!);
            return "([^/]+)";
          }
          return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        });
      routes.push({
        pattern: new RegExp(`^/api/v1${source.length ? `/${source.join("/")}` : ""}/?$`),
        names,
        file: full,
      });
    }
  }
  // Static segments win over parameters, as in Next.
  return routes.sort((a, b) => a.names.length - b.names.length);
}

async function toRequest(req: IncomingMessage, res: ServerResponse, base: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  headers.set("x-troupe-client-address", req.socket.remoteAddress ?? "unknown");
  const controller = new AbortController();
  // As Next does: the request's signal aborts when the client goes away before the response is done
  // (one listener per response, not per keep-alive socket).
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    signal: controller.signal,
    // @ts-expect-error Node's fetch needs this for a streamed body.
    duplex: hasBody ? "half" : undefined,
  });
}

async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away; the handler's stream was cancelled.
  }
  res.end();
}

export interface ApiHarness {
  base: string;
  db: PrismaClient;
  server: Server;
  stop(): Promise<void>;
}

/** Start the database (migrations), an in-process worker and the HTTP server on a free port. */
export async function startApiHarness(options: { workerConcurrency?: number } = {}): Promise<ApiHarness> {
  const { db, startDatabase } = await import("~/server/db");
  const { getRunServices, closeRunServices } = await import("~/server/runs/run-services");
  const { startWorker } = await import("~/server/worker/start-worker");
  const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
  const { logger } = await import("~/server/logger");
  await startDatabase();
  const worker = startWorker({
    db,
    services: getRunServices(),
    publisher: new NullPublisher(),
    logger,
    concurrency: options.workerConcurrency ?? 20,
  });
  const routes = discoverRoutes();
  const modules = new Map<string, Promise<RouteModule>>();
  let base = "";
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", base);
      for (const route of routes) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        let module = modules.get(route.file);
        if (!module) {
          module = import(pathToFileURL(route.file).href) as Promise<RouteModule>;
          modules.set(route.file, module);
        }
        const handler = (await module)[req.method ?? "GET"];
        if (!handler) {
          res.writeHead(405).end();
          return;
        }
        const params = Object.fromEntries(
          route.names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
        );
        const response = await handler(await toRequest(req, res, base), { params: Promise.resolve(params) });
        await sendResponse(response, res);
        return;
      }
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}');
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    db,
    server,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await worker.stop(5_000);
      await closeRunServices();
      await db.$disconnect();
    },
  };
}

/** A one-agent workflow on the replay model: each run answers with `answer` through final_answer. */
export function replayWorkflow(
  answer: unknown,
  options: { latencyMs?: number; model?: string } = {},
): WorkflowDocument {
  return {
    version: CURRENT_WORKFLOW_VERSION,
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 0, y: 0 },
        data: { agentType: "toolCalling", name: "helper", description: "Answers questions.", maxSteps: 3 },
      },
      {
        id: "model",
        type: "model",
        position: { x: 0, y: 200 },
        data: {
          provider: "replay",
          model: options.model ?? "gpt-4o-mini",
          transcript: [
            { content: "I know this.", tool_calls: [{ name: "final_answer", arguments: { answer } }] },
          ],
          ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
        },
      },
    ],
    edges: [edgeOfKind("uses-model", "agent", "model")],
    viewport: { x: 0, y: 0, zoom: 1 },
  } as WorkflowDocument;
}

export interface PublishedFixture {
  userId: string;
  teamId: string;
  teamSlug: string;
  workflowId: string;
  versionId: string;
  endpointId: string;
  slug: string;
  /** The API key's secret (shown once in the app). */
  key: string;
  keyId: string;
}

/**
 * Sign a person up, save `document` as version 1 of a workflow of their team, publish it as `slug` and
 * create an API key for every endpoint of the team (through the same services the app uses).
 */
export async function publishFixture(
  db: PrismaClient,
  options: {
    email: string;
    slug: string;
    document: WorkflowDocument;
    keyOptions?: { rateLimitPerMinute?: number; monthlyCostCapUsd?: number | null; endpointIds?: string[] };
  },
): Promise<PublishedFixture> {
  const { signUp } = await import("~/server/auth/sign-up");
  const { publishEndpoint } = await import("~/server/publish/endpoints");
  const result = await signUp({
    name: options.email.split("@")[0]!,
    email: options.email,
    password: "a long enough password",
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const team = await db.team.findUniqueOrThrow({
    where: { id: result.teamId },
    select: { id: true, slug: true },
  });
  const workflow = await db.workflow.create({
    data: {
      teamId: team.id,
      name: options.slug,
      graph: options.document as never,
      createdById: result.userId,
    },
  });
  const version = await db.workflowVersion.create({
    data: {
      workflowId: workflow.id,
      number: 1,
      graph: options.document as never,
      createdById: result.userId,
    },
  });
  const endpoint = await publishEndpoint(db, {
    teamId: team.id,
    slug: options.slug,
    versionId: version.id,
    actorId: result.userId,
  });
  const apiKey = await createApiKey(
    db,
    { teamId: team.id, userId: result.userId },
    { name: "test key", ...options.keyOptions },
  );
  return {
    userId: result.userId,
    teamId: team.id,
    teamSlug: team.slug,
    workflowId: workflow.id,
    versionId: version.id,
    endpointId: endpoint.id,
    slug: endpoint.slug,
    key: apiKey.key,
    keyId: apiKey.id,
  };
}

/** An API key of `owner`'s team with its own settings (every endpoint unless `endpointIds`). */
export async function createApiKey(
  db: PrismaClient,
  owner: { teamId: string; userId: string },
  options: {
    name?: string;
    endpointIds?: string[];
    rateLimitPerMinute?: number;
    monthlyCostCapUsd?: number | null;
    revoked?: boolean;
  } = {},
): Promise<{ id: string; key: string; hash: string }> {
  const { generateApiKey } = await import("~/server/publish/api-keys");
  const generated = generateApiKey();
  const apiKey = await db.apiKey.create({
    data: {
      teamId: owner.teamId,
      name: options.name ?? "another key",
      prefix: generated.prefix,
      hash: generated.hash,
      allEndpoints: !options.endpointIds,
      endpointIds: options.endpointIds ?? [],
      rateLimitPerMinute: options.rateLimitPerMinute ?? 1000,
      monthlyCostCapUsd: options.monthlyCostCapUsd ?? null,
      revokedAt: options.revoked ? new Date() : null,
      createdById: owner.userId,
    },
  });
  return { id: apiKey.id, key: generated.key, hash: generated.hash };
}

/** Save `document` as the next version of `owner`'s workflow and publish it as `slug`. */
export async function publishNextVersion(
  db: PrismaClient,
  owner: Pick<PublishedFixture, "teamId" | "userId" | "workflowId">,
  slug: string,
  document: WorkflowDocument,
  description?: string,
) {
  const { publishEndpoint } = await import("~/server/publish/endpoints");
  const count = await db.workflowVersion.count({ where: { workflowId: owner.workflowId } });
  const version = await db.workflowVersion.create({
    data: { workflowId: owner.workflowId, number: count + 1, graph: document as never },
  });
  return publishEndpoint(db, {
    teamId: owner.teamId,
    slug,
    versionId: version.id,
    actorId: owner.userId,
    ...(description !== undefined ? { description } : {}),
  });
}
