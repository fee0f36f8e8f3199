import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import {
  compile,
  createEmptyWorkflow,
  edgeOfKind,
  type OpenApiSummary,
  operationToolData,
  resolveServerUrl,
  type WorkflowDocument,
} from "~/graph";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";
import { rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * OpenAPI documents as tools, end to end: a petstore-like document (tests/fixtures/openapi, 3.0
 * and 3.1) served by a local HTTP server that also implements its operations is imported through
 * `openapi.inspect` (by URL through the guarded fetch, and as an uploaded file), two operations
 * become HTTP tool nodes of a workflow, the workflow compiles, and a ToolCallingAgent driven by a
 * scripted model over the OpenAI protocol calls both. The API key reaches the petstore and nothing
 * else; invalid documents and private addresses are refused with clear messages.
 */

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: string;
}

const API_KEY = "pet-key-Zx9/+&=";
const TOKEN = "bearer-token-123";
const petRequests: Recorded[] = [];
const elsewhereRequests: Recorded[] = [];

async function record(request: IncomingMessage, into: Recorded[]): Promise<Recorded> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const url = new URL(request.url ?? "/", "http://x");
  const entry = {
    method: request.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: request.headers,
    body: Buffer.concat(chunks).toString("utf8"),
  };
  into.push(entry);
  return entry;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

let elsewhere = "";
const pets: Record<number, { id: number; name: string; tag: string | null }> = {
  1: { id: 1, name: "Fido", tag: "dog" },
};

/** The petstore: its documents, and listPets, createPet and getPetById (666 redirects elsewhere). */
const petstore = createServer(async (request, response) => {
  const entry = await record(request, petRequests);
  const json = (status: number, value: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(value));
  };
  if (entry.path === "/openapi.yaml") {
    response.writeHead(200, { "content-type": "application/yaml" });
    response.end(readFileSync("tests/fixtures/openapi/petstore-3.0.yaml"));
    return;
  }
  if (entry.path === "/missing.yaml") return json(404, { error: "no such document" });
  const authorised = entry.headers["x-api-key"] === API_KEY || entry.query.api_key === API_KEY;
  const bearer = entry.headers.authorization === `Bearer ${TOKEN}`;
  const basic = entry.headers.authorization === `Basic ${Buffer.from(`shop:${API_KEY}`).toString("base64")}`;
  if (!authorised && !bearer && !basic) return json(401, { error: "missing or wrong key" });
  if (entry.method === "GET" && entry.path === "/v1/pets") {
    const limit = Number(entry.query.limit ?? 100);
    return json(200, Object.values(pets).slice(0, limit));
  }
  if (entry.method === "POST" && entry.path === "/v1/pets") {
    const body = JSON.parse(entry.body) as { name: string; tag?: string };
    const id = Object.keys(pets).length + 1;
    pets[id] = { id, name: body.name, tag: body.tag ?? null };
    return json(201, pets[id]);
  }
  const match = /^\/v1\/pets\/(\d+)$/.exec(entry.path);
  if (entry.method === "GET" && match) {
    const id = Number(match[1]);
    if (id === 666) {
      response.writeHead(302, { location: `${elsewhere}/v1/pets/666` });
      response.end();
      return;
    }
    const pet = pets[id];
    return pet ? json(200, { ...pet, requestId: entry.headers["x-request-id"] ?? null }) : json(404, {});
  }
  json(404, { error: `no route ${entry.method} ${entry.path}` });
});

/** Another origin: what the petstore redirects to; it must never see the key. */
const other = createServer(async (request, response) => {
  await record(request, elsewhereRequests);
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify({ id: 666, name: "Impostor", tag: null }));
});

const petOrigin = await listen(petstore);
elsewhere = await listen(other);
const closedPort = await (async () => {
  const probe = createServer();
  const url = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return new URL(url).port;
})();

const database = await createTestDatabase("openapi");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  // Only the petstore's port is opened; other loopback ports stay refused.
  OUTBOUND_ALLOW: `127.0.0.1:${new URL(petOrigin).port}`,
});
const { db, startDatabase } = await import("~/server/db");
const { apiPeople } = await import("./api-people");
const { buildAgent } = await import("~/agents/build-agent");

let openai: OpenAITestServer;
let caller: Awaited<ReturnType<Awaited<ReturnType<typeof apiPeople>>["person"]>>["caller"];
let teamId: string;

beforeAll(async () => {
  await startDatabase();
  openai = await startOpenAIServer();
  const people = await apiPeople();
  const sam = await people.person("Sam", "sam@example.com");
  caller = sam.caller;
  teamId = sam.teamId;
});

afterAll(async () => {
  await openai.close();
  await new Promise((resolve) => petstore.close(resolve));
  await new Promise((resolve) => other.close(resolve));
  await db.$disconnect();
  await database.drop();
});

const noExecutor = async (): Promise<never> => {
  throw new Error("no sandbox in this test");
};

/** A workflow: a ToolCallingAgent on the scripted model, using these tool nodes' data. */
function workflowOf(tools: ReturnType<typeof operationToolData>[]): WorkflowDocument {
  return {
    ...createEmptyWorkflow(),
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 0, y: 0 },
        data: {
          agentType: "toolCalling",
          name: "shopkeeper",
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
        data: { provider: "openai", model: "scripted", baseUrl: openai.url, apiKeySecret: "SCRIPTED_KEY" },
      },
      ...tools.map((data, i) => ({
        id: `tool${i}`,
        type: "tool" as const,
        position: { x: 300 * i, y: 300 },
        data,
      })),
    ],
    edges: [
      edgeOfKind("uses-model", "agent", "model"),
      ...tools.map((_, i) => edgeOfKind("uses-tool", "agent", `tool${i}`)),
    ],
  };
}

/** Compile the workflow and run it on the scripted model; the secrets resolve to these values. */
async function run(
  doc: WorkflowDocument,
  secrets: Record<string, { value: string; allowedOrigins?: string[] }>,
) {
  const compiled = compile(doc, undefined, { knownSecrets: Object.keys(secrets) });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const agent = await buildAgent(compiled.spec, {
    resolveSecret: async (name) => secrets[name],
    createExecutor: noExecutor,
    // The test's servers are on loopback: the operator opens them, as OUTBOUND_ALLOW would.
    outbound: { allow: ["127.0.0.1"] },
  });
  try {
    const stream = agent.run("Add Rex the dog, then look up pet 1.", { stream: true });
    const events: RunEvent[] = [];
    for await (const event of stream) events.push(event);
    return { result: await stream.result, events, spec: compiled.spec };
  } finally {
    await agent.close();
  }
}

const observations = (events: RunEvent[]) =>
  events.flatMap((event) => (event.type === "observation" ? [event.observation] : []));

describe("openapi.inspect", () => {
  let summary: OpenApiSummary;

  it("fetches a 3.0 document by URL through the guarded fetch and lists its operations", async () => {
    summary = await caller.openapi.inspect({
      teamId,
      source: { kind: "url", url: `${petOrigin}/openapi.yaml` },
    });
    expect(summary.title).toBe("Petstore");
    expect(summary.operations.map((operation) => operation.operationId)).toEqual([
      "listPets",
      "createPet",
      "getPetById",
      "deletePet",
    ]);
    expect(summary.servers).toEqual([{ url: "/v1", description: "The server that serves this document" }]);
    expect(resolveServerUrl(summary.servers[0]?.url, `${petOrigin}/openapi.yaml`)).toBe(`${petOrigin}/v1`);
  });

  it("imports two operations as tools that an agent calls, the key sent only to the petstore", async () => {
    const serverUrl = resolveServerUrl(summary.servers[0]?.url, `${petOrigin}/openapi.yaml`)!;
    const taken: string[] = [];
    const tools = ["POST /pets", "GET /pets/{petId}"].map((key) => {
      const data = operationToolData(summary.operations.find((operation) => operation.key === key)!, {
        serverUrl,
        takenNames: taken,
        securitySchemes: summary.securitySchemes,
        secrets: { api_key: "PETSTORE_API_KEY" },
      });
      taken.push(data.name);
      return data;
    });
    openai.enqueue(
      {
        toolCalls: [
          { name: "createPet", arguments: { name: "Rex", tag: "dog" } },
          { name: "getPetById", arguments: { petId: 1, X_Request_ID: "req-7" } },
        ],
      },
      { toolCalls: [{ name: "getPetById", arguments: { petId: 666 } }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "Rex is pet 2; pet 1 is Fido." } }] },
    );
    petRequests.length = 0;
    const { result, events } = await run(workflowOf(tools), {
      PETSTORE_API_KEY: { value: API_KEY },
      SCRIPTED_KEY: { value: "sk-scripted" },
    });
    expect(result.output).toBe("Rex is pet 2; pet 1 is Fido.");

    const create = petRequests.find((r) => r.method === "POST")!;
    expect(create.path).toBe("/v1/pets");
    expect(JSON.parse(create.body)).toEqual({ name: "Rex", tag: "dog" });
    expect(create.headers["content-type"]).toBe("application/json");
    expect(create.headers["x-api-key"]).toBe(API_KEY);
    const get = petRequests.find((r) => r.path === "/v1/pets/1")!;
    expect(get.headers["x-api-key"]).toBe(API_KEY);
    expect(get.headers["x-request-id"]).toBe("req-7");
    const seen = observations(events).join("\n");
    expect(seen).toContain('"name":"Rex"');
    expect(seen).toContain('"requestId":"req-7"');

    // The petstore redirected pet 666 to another origin: the request went, the key did not.
    expect(elsewhereRequests).toHaveLength(1);
    expect(JSON.stringify(elsewhereRequests[0]!.headers)).not.toContain(API_KEY);
    // The model never saw the key either.
    expect(JSON.stringify(openai.requests.map((r) => r.body))).not.toContain(API_KEY);
  });

  it("reads an uploaded 3.1 file; a query API key and a bearer token reach the petstore, never another host", async () => {
    const uploaded = await caller.openapi.inspect({
      teamId,
      source: { kind: "file", text: readFileSync("tests/fixtures/openapi/petstore-3.1.json", "utf8") },
    });
    expect(uploaded.openapi).toBe("3.1.0");
    expect(uploaded.servers[0]?.url).toBe("https://petstore.example.com/v1");
    // The user points the import at where the API runs (the dialog lets them edit the server URL).
    const tools = ["GET /pets", "POST /pets"].map((key) =>
      operationToolData(uploaded.operations.find((operation) => operation.key === key)!, {
        serverUrl: `${petOrigin}/v1`,
        securitySchemes: uploaded.securitySchemes,
        secrets: { query_key: "PETSTORE_QUERY_KEY", bearerAuth: "PETSTORE_TOKEN" },
      }),
    );
    expect(tools.map((tool) => tool.auth)).toEqual([
      { type: "apiKey", in: "query", name: "api_key", secret: "PETSTORE_QUERY_KEY" },
      { type: "bearer", secret: "PETSTORE_TOKEN" },
    ]);
    openai.enqueue(
      {
        toolCalls: [
          { name: "listPets", arguments: { limit: 1 } },
          { name: "createPet", arguments: { name: "Tom", status: "available" } },
        ],
      },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "done" } }] },
    );
    petRequests.length = 0;
    const { result, events } = await run(workflowOf(tools), {
      PETSTORE_QUERY_KEY: { value: API_KEY },
      PETSTORE_TOKEN: { value: TOKEN },
      SCRIPTED_KEY: { value: "sk-scripted" },
    });
    expect(result.output).toBe("done");
    const list = petRequests.find((r) => r.method === "GET")!;
    expect(list.query).toEqual({ limit: "1", api_key: API_KEY });
    const create = petRequests.find((r) => r.method === "POST")!;
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(create.body)).toEqual({ name: "Tom", status: "available" });
    expect(observations(events).join("\n")).toContain('"name":"Fido"');

    // A team secret bound to another host is not sent here: the tool call fails with the reason.
    openai.enqueue(
      { toolCalls: [{ name: "listPets", arguments: {} }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "refused" } }] },
    );
    petRequests.length = 0;
    const bound = await run(workflowOf(tools.slice(0, 1)), {
      PETSTORE_QUERY_KEY: { value: API_KEY, allowedOrigins: ["https://petstore.example.com"] },
      SCRIPTED_KEY: { value: "sk-scripted" },
    });
    expect(petRequests).toHaveLength(0);
    expect(JSON.stringify(bound.events)).toContain(
      `Refused: the secret PETSTORE_QUERY_KEY is only sent to https://petstore.example.com, not to ${petOrigin}`,
    );
  });

  it("sends basic credentials from a secret holding user:password", async () => {
    const uploaded = await caller.openapi.inspect({
      teamId,
      source: { kind: "file", text: readFileSync("tests/fixtures/openapi/petstore-3.1.json", "utf8") },
    });
    const getPet = uploaded.operations.find((operation) => operation.operationId === "getPetById")!;
    const tool = operationToolData(
      { ...getPet, security: [["shopLogin"]] },
      {
        serverUrl: `${petOrigin}/v1`,
        securitySchemes: { shopLogin: { type: "http", scheme: "basic", description: "" } },
        secrets: { shopLogin: "SHOP_LOGIN" },
      },
    );
    expect(tool.auth).toEqual({ type: "basic", secret: "SHOP_LOGIN" });
    openai.enqueue(
      { toolCalls: [{ name: "getPetById", arguments: { petId: 1 } }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "Fido" } }] },
    );
    petRequests.length = 0;
    const { result, events } = await run(workflowOf([tool]), {
      SHOP_LOGIN: { value: `shop:${API_KEY}` },
      SCRIPTED_KEY: { value: "sk-scripted" },
    });
    expect(result.output).toBe("Fido");
    expect(petRequests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`shop:${API_KEY}`).toString("base64")}`,
    );
    expect(observations(events).join("\n")).toContain('"name":"Fido"');
  });

  it("refuses a document on a private address that OUTBOUND_ALLOW does not open", async () => {
    const loopback = await rejection(
      caller.openapi.inspect({
        teamId,
        source: { kind: "url", url: `http://127.0.0.1:${closedPort}/openapi.yaml` },
      }),
    );
    expect(loopback.code).toBe("BAD_REQUEST");
    expect(loopback.message).toBe("Could not fetch the document: Refused: 127.0.0.1 is a loopback address");
    const metadata = await rejection(
      caller.openapi.inspect({ teamId, source: { kind: "url", url: "http://169.254.169.254/openapi.json" } }),
    );
    expect(metadata.message).toBe(
      "Could not fetch the document: Refused: 169.254.169.254 is a link-local address",
    );
    const missing = await rejection(
      caller.openapi.inspect({ teamId, source: { kind: "url", url: `${petOrigin}/missing.yaml` } }),
    );
    expect(missing.message).toBe(
      `Could not fetch the document: ${new URL(petOrigin).host} answered HTTP 404`,
    );
    const scheme = await rejection(
      caller.openapi.inspect({ teamId, source: { kind: "url", url: "file:///etc/passwd" } }),
    );
    expect(scheme.message).toBe("The document URL must be http or https");
  });

  it("explains what is wrong with an invalid document, and never follows its external $refs", async () => {
    const inspect = (text: string) =>
      rejection(caller.openapi.inspect({ teamId, source: { kind: "file", text } }));
    expect((await inspect("openapi: 3.0.3\ninfo: [unclosed\n")).message).toMatch(
      /^The document is neither JSON nor valid YAML: .*line 3, column 1/,
    );
    expect((await inspect('{"openapi": "3.0.3", "info": ')).message).toMatch(
      /^The document is not valid JSON: /,
    );
    expect((await inspect('{"swagger": "2.0", "info": {}}')).message).toBe(
      "This is a Swagger 2.0 document; only OpenAPI 3.0 and 3.1 are imported (convert it to OpenAPI 3 first)",
    );
    expect((await inspect("title: not an API\n")).message).toBe(
      "The document is not an OpenAPI document: it has no 'openapi' version field",
    );
    const noInfo = await inspect(JSON.stringify({ openapi: "3.0.3", paths: {} }, null, 2));
    expect(noInfo.code).toBe("BAD_REQUEST");
    expect(noInfo.message).toContain("The document is not valid OpenAPI.");
    expect(noInfo.message).toContain("must have required property 'info'");
    const badPath = await inspect(
      JSON.stringify({
        openapi: "3.1.0",
        info: { title: "t", version: "1" },
        paths: { "/pets/{id}": { get: { responses: { "200": { description: "ok" } } } } },
      }),
    );
    expect(badPath.message).toContain("The document is not valid OpenAPI.");
    expect(badPath.message).toContain("id");

    petRequests.length = 0;
    const external = await caller.openapi.inspect({
      teamId,
      source: {
        kind: "file",
        text: JSON.stringify({
          openapi: "3.0.3",
          info: { title: "t", version: "1" },
          paths: {
            "/a": {
              get: {
                operationId: "a",
                responses: {
                  "200": {
                    description: "ok",
                    content: { "application/json": { schema: { $ref: `${petOrigin}/schemas/pet.json` } } },
                  },
                },
              },
            },
          },
        }),
      },
    });
    expect(external.operations.map((operation) => operation.operationId)).toEqual(["a"]);
    expect(petRequests).toHaveLength(0);
  });
});
