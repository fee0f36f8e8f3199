import { dereference, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiHarness,
  createApiKey,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";
import { apiFetch, publishAnother } from "../../helpers/api-rest-client";
import { readSse } from "../../helpers/sse-reader";

/**
 * The OpenAPI document served at /api/v1/openapi.json is a valid OpenAPI 3.1 document, and the API
 * does what it says: the test walks the document, calls every documented operation (successes and
 * refusals), and checks each answer's status is documented for that operation, its content type is
 * documented for that status, its body matches the documented schema (JSON Schema 2020-12, checked
 * with Ajv; each Server-Sent Event's data too) and its documented required headers are present.
 */
const database = await prepareApiEnvironment("openapi", {
  TEAM_MAX_CONCURRENT_RUNS: "50",
  TEAM_MAX_RUNS_PER_HOUR: "10000",
});

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  responses: Record<
    string,
    {
      content?: Record<string, { schema: Schema; "x-item-schema"?: Schema }>;
      headers?: Record<string, { required?: boolean }>;
    }
  >;
}

let harness: ApiHarness;
let fixture: PublishedFixture;
let document: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
let resolved: typeof document;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const checked = new Map<string, Set<number>>();

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "openapi@example.com",
    slug: "answers",
    document: replayWorkflow({ city: "Paris" }),
  });
  await publishAnother(harness.db, fixture, "slow", replayWorkflow("slow", { latencyMs: 5_000 }));
  const response = await fetch(`${harness.base}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as typeof document;
  resolved = (await dereference(structuredClone(document) as never)) as unknown as typeof document;
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

function validator(schema: Schema) {
  return ajv.compile(schema);
}

/** Check one answer against the document; `template` and `method` name the documented operation. */
async function expectDocumented(template: string, method: string, response: Response): Promise<unknown> {
  const operation = resolved.paths[template]?.[method];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  const documented = operation!.responses[String(response.status)];
  expect(documented, `${operation!.operationId} documents ${response.status}`).toBeDefined();
  for (const [name, header] of Object.entries(documented!.headers ?? {})) {
    if (header.required) expect(response.headers.get(name), `${name} header`).not.toBeNull();
  }
  const media = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const content = documented!.content?.[media];
  expect(content, `${operation!.operationId} ${response.status} documents ${media}`).toBeDefined();
  checked.set(
    operation!.operationId,
    (checked.get(operation!.operationId) ?? new Set()).add(response.status),
  );
  if (media === "text/event-stream" && content!["x-item-schema"]) {
    // OpenAI-style streams: every `data:` is an item of the documented schema, then `[DONE]`.
    const item = validator(content!["x-item-schema"]);
    let done = false;
    for await (const message of readSse(response)) {
      if (message.data === "[DONE]") {
        done = true;
        continue;
      }
      const data = JSON.parse(message.data);
      expect(item(data), ajv.errorsText(item.errors)).toBe(true);
    }
    expect(done).toBe(true);
    return undefined;
  }
  if (media === "text/event-stream" && operation!.operationId === "mcpMessage") {
    const messages: unknown[] = [];
    for await (const message of readSse(response)) messages.push(JSON.parse(message.data));
    expect(messages.length).toBeGreaterThan(0);
    return messages;
  }
  if (media === "text/event-stream") {
    const runEvent = validator(resolved.components.schemas.RunEvent!);
    const runResult = validator(resolved.components.schemas.RunResult!);
    let ended = false;
    for await (const message of readSse(response)) {
      const data = JSON.parse(message.data);
      const check = message.event === "end" ? runResult : runEvent;
      expect(check(data), `${message.event}: ${ajv.errorsText(check.errors)}`).toBe(true);
      if (message.event === "end") ended = true;
    }
    expect(ended).toBe(true);
    return undefined;
  }
  const body = await response.json();
  const check = validator(content!.schema);
  expect(check(body), `${operation!.operationId} ${response.status}: ${ajv.errorsText(check.errors)}`).toBe(
    true,
  );
  return body;
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document with a bearer scheme and every error documented", async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
    expect((document as unknown as { openapi: string }).openapi).toMatch(/^3\.1\./);
    const createRun = document.paths["/api/v1/endpoints/{team}/{slug}/runs"]!.post!;
    expect(Object.keys(createRun.responses).sort()).toEqual(
      ["200", "202", "400", "401", "403", "404", "413", "415", "422", "429", "500", "503"].sort(),
    );
    expect(createRun.responses["429"]!.headers!["Retry-After"]).toMatchObject({ required: true });
  });

  it("documents the request body the handler validates with (the same zod schema)", async () => {
    const { createRunRequestSchema } = await import("~/server/publish/rest-schemas");
    const documented = validator(resolved.components.schemas.CreateRunRequest!);
    for (const body of [
      { task: "x" },
      { task: "x", stream: true },
      { task: "x", images: ["https://example.com/a.png"], additional_args: { a: 1 } },
      { task: "x", temperature: 1 },
      { task: "" },
      {},
      { task: "x", additional_args: { "1bad": 1 } },
    ]) {
      expect(documented(body), JSON.stringify(body)).toBe(createRunRequestSchema.safeParse(body).success);
    }
  });

  it("answers every documented operation as documented", async () => {
    const key = fixture.key;
    const runsTemplate = "/api/v1/endpoints/{team}/{slug}/runs";
    const runsPath = (slug: string) => `/api/v1/endpoints/${fixture.teamSlug}/${slug}/runs`;
    const post = (slug: string, json: unknown, options: { key?: string | null } = {}) =>
      apiFetch(harness.base, runsPath(slug), { key: options.key === undefined ? key : options.key, json });

    // createRun
    const result = (await expectDocumented(
      runsTemplate,
      "post",
      await post("answers", { task: "Capital?" }),
    )) as {
      id: string;
    };
    const accepted = (await expectDocumented(
      runsTemplate,
      "post",
      await post("slow", { task: "Later", async: true }),
    )) as {
      id: string;
      urls: { run: string; events: string };
    };
    await expectDocumented(runsTemplate, "post", await post("answers", { task: "Stream", stream: true }));
    await expectDocumented(runsTemplate, "post", await post("answers", { task: "" }));
    await expectDocumented(runsTemplate, "post", await post("answers", { task: "x" }, { key: null }));
    await expectDocumented(runsTemplate, "post", await post("nope", { task: "x" }));
    await expectDocumented(
      runsTemplate,
      "post",
      await apiFetch(harness.base, runsPath("answers"), {
        key,
        method: "POST",
        headers: { "content-type": "text/plain" },
      }),
    );

    // getRun, listRunEvents, cancelRun
    const runTemplate = "/api/v1/runs/{id}";
    const eventsTemplate = "/api/v1/runs/{id}/events";
    await expectDocumented(
      runTemplate,
      "get",
      await apiFetch(harness.base, `/api/v1/runs/${result.id}`, { key }),
    );
    await expectDocumented(runTemplate, "get", await apiFetch(harness.base, accepted.urls.run, { key }));
    await expectDocumented(runTemplate, "get", await apiFetch(harness.base, "/api/v1/runs/unknown", { key }));
    await expectDocumented(runTemplate, "get", await apiFetch(harness.base, "/api/v1/runs/unknown", {}));
    await expectDocumented(
      eventsTemplate,
      "get",
      await apiFetch(harness.base, `/api/v1/runs/${result.id}/events`, { key }),
    );
    await expectDocumented(
      eventsTemplate,
      "get",
      await apiFetch(harness.base, `/api/v1/runs/${result.id}/events?after=1`, {
        key,
        headers: { accept: "text/event-stream" },
      }),
    );
    await expectDocumented(
      eventsTemplate,
      "get",
      await apiFetch(harness.base, `/api/v1/runs/${result.id}/events?after=x`, { key }),
    );
    await expectDocumented(
      runTemplate,
      "delete",
      await apiFetch(harness.base, accepted.urls.run, { key, method: "DELETE" }),
    );
    await expectDocumented(
      runTemplate,
      "delete",
      await apiFetch(harness.base, "/api/v1/runs/unknown", { key, method: "DELETE" }),
    );

    // The OpenAI-compatible routes
    const chatTemplate = "/api/v1/chat/completions";
    const chat = (json: unknown, options: { key?: string | null } = {}) =>
      apiFetch(harness.base, chatTemplate, { key: options.key === undefined ? key : options.key, json });
    const question = [{ role: "user", content: "Capital?" }];
    await expectDocumented(chatTemplate, "post", await chat({ model: "answers", messages: question }));
    await expectDocumented(
      chatTemplate,
      "post",
      await chat({ model: "answers", messages: question, stream: true }),
    );
    await expectDocumented(chatTemplate, "post", await chat({ model: "answers", messages: [] }));
    await expectDocumented(
      chatTemplate,
      "post",
      await chat({ model: "answers", messages: question }, { key: null }),
    );
    await expectDocumented(chatTemplate, "post", await chat({ model: "nope", messages: question }));
    await expectDocumented("/api/v1/models", "get", await apiFetch(harness.base, "/api/v1/models", { key }));
    await expectDocumented("/api/v1/models", "get", await apiFetch(harness.base, "/api/v1/models", {}));
    await expectDocumented(
      "/api/v1/models/{model}",
      "get",
      await apiFetch(harness.base, "/api/v1/models/answers", { key }),
    );
    await expectDocumented(
      "/api/v1/models/{model}",
      "get",
      await apiFetch(harness.base, "/api/v1/models/nope", { key }),
    );

    // MCP over Streamable HTTP (stateless): initialize, then the routes without a session
    const mcpInit = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "walk", version: "1" } },
    };
    const mcpHeaders = { accept: "application/json, text/event-stream" };
    await expectDocumented(
      "/api/v1/mcp",
      "post",
      await apiFetch(harness.base, "/api/v1/mcp", { key, json: mcpInit, headers: mcpHeaders }),
    );
    await expectDocumented(
      "/api/v1/mcp",
      "post",
      await apiFetch(harness.base, "/api/v1/mcp", { key: null, json: mcpInit, headers: mcpHeaders }),
    );
    await expectDocumented("/api/v1/mcp", "get", await apiFetch(harness.base, "/api/v1/mcp", { key }));
    await expectDocumented(
      "/api/v1/mcp",
      "delete",
      await apiFetch(harness.base, "/api/v1/mcp", { key, method: "DELETE" }),
    );

    // getOpenApiDocument
    await expectDocumented("/api/v1/openapi.json", "get", await fetch(`${harness.base}/api/v1/openapi.json`));

    const documented = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    expect([...checked.keys()].sort()).toEqual([...documented].sort());
  });

  it("documents 429 with Retry-After as the API answers it", async () => {
    const generated = await createApiKey(harness.db, fixture, {
      name: "one a minute",
      rateLimitPerMinute: 1,
    });
    const path = `/api/v1/endpoints/${fixture.teamSlug}/answers/runs`;
    await apiFetch(harness.base, path, { key: generated.key, json: { task: "1" } });
    const limited = await apiFetch(harness.base, path, { key: generated.key, json: { task: "2" } });
    expect(limited.status).toBe(429);
    await expectDocumented("/api/v1/endpoints/{team}/{slug}/runs", "post", limited);
  });
});
