import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiHarness,
  createApiKey,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  publishNextVersion,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";

/**
 * The MCP server through `@modelcontextprotocol/sdk`'s own client over Streamable HTTP: the endpoints a
 * key may call are its tools, a call runs the agent as a normal API run and answers its final answer,
 * progress notifications carry the run's step events, and keys are checked as on the other surfaces.
 */
const database = await prepareApiEnvironment("mcp");
const { unpublishEndpoint } = await import("~/server/publish/endpoints");

let harness: ApiHarness;
let fixture: PublishedFixture;
let other: PublishedFixture;
const clients: Client[] = [];

function transportFor(key: string | null) {
  return new StreamableHTTPClientTransport(new URL(`${harness.base}/api/v1/mcp`), {
    requestInit: key ? { headers: { Authorization: `Bearer ${key}` } } : {},
  });
}

async function connect(key: string | null): Promise<Client> {
  const client = new Client({ name: "troupe-test", version: "1.0.0" });
  clients.push(client);
  await client.connect(transportFor(key));
  return client;
}

const addEndpoint = (slug: string, document: ReturnType<typeof replayWorkflow>, description = "") =>
  publishNextVersion(harness.db, fixture, slug, document, description);

async function createKey(options: { endpointIds?: string[]; rateLimitPerMinute?: number }) {
  return (await createApiKey(harness.db, fixture, { name: "mcp key", ...options })).key;
}

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "mcp@example.com",
    slug: "answers",
    document: replayWorkflow("forty-two"),
  });
  other = await publishFixture(harness.db, {
    email: "mcp-other@example.com",
    slug: "elsewhere",
    document: replayWorkflow("not yours"),
  });
  await addEndpoint(
    "weather",
    replayWorkflow("Sunny, 21 °C.", { latencyMs: 30 }),
    "Tells the weather in a city.",
  );
  const structured = replayWorkflow({ city: "Paris", population: 2_100_000 });
  const agent = structured.nodes.find((node) => node.type === "agent")!;
  (agent.data as Record<string, unknown>).outputSchema = {
    type: "object",
    properties: { city: { type: "string" }, population: { type: "number" } },
    required: ["city", "population"],
  };
  await addEndpoint("city-facts", structured);
  const broken = replayWorkflow("never");
  const model = broken.nodes.find((node) => node.type === "model")!;
  (model.data as { transcript: unknown[] }).transcript = [{ content: "I will not answer." }];
  await addEndpoint("broken", broken);
  const retired = await addEndpoint("retired", replayWorkflow("old"));
  await unpublishEndpoint(harness.db, {
    teamId: fixture.teamId,
    endpointId: retired.id,
    actorId: fixture.userId,
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

describe("the MCP server at /api/v1/mcp", () => {
  it("lists the published endpoints the key may call as tools with the run input schema", async () => {
    const client = await connect(fixture.key);
    expect(client.getServerVersion()?.name).toBe("troupe");
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["answers", "broken", "city-facts", "weather"]);
    const weather = tools.find((tool) => tool.name === "weather")!;
    expect(weather.description).toBe("Tells the weather in a city.");
    expect(weather.inputSchema).toMatchObject({
      type: "object",
      required: ["task"],
      additionalProperties: false,
      properties: { task: { type: "string" }, images: { type: "array" } },
    });
    expect(tools.find((tool) => tool.name === "answers")!.description).toMatch(/"answers"/);
  });

  it("calls a tool: runs the agent as an API run and answers its final answer", async () => {
    const client = await connect(fixture.key);
    const result = await client.callTool({ name: "answers", arguments: { task: "What is the answer?" } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "forty-two" }]);
    const runId = (result._meta as Record<string, string>)["troupe/run-id"]!;
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({
      status: "succeeded",
      source: "api",
      apiKeyId: fixture.keyId,
      endpointId: fixture.endpointId,
      task: "What is the answer?",
    });
    const recorded = await harness.db.apiRequest.findFirstOrThrow({ where: { runId } });
    expect(recorded).toMatchObject({ surface: "mcp", status: 200, endpointId: fixture.endpointId });
  });

  it("sends the run's step events as progress notifications when the client asks", async () => {
    const client = await connect(fixture.key);
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "weather", arguments: { task: "Weather in Oslo?" } },
      undefined,
      {
        onprogress: (update) => progress.push(update),
      },
    );
    expect(result.content).toEqual([{ type: "text", text: "Sunny, 21 °C." }]);
    const messages = progress.map((update) => update.message);
    expect(messages).toContain("helper: step 1");
    expect(messages).toContain("helper: calls final_answer");
    expect(messages.at(-1)).toBe("helper: final answer");
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  });

  it("answers structured content when the agent declares an output schema", async () => {
    const client = await connect(fixture.key);
    const result = await client.callTool({ name: "city-facts", arguments: { task: "Facts about Paris" } });
    expect(result.structuredContent).toEqual({ city: "Paris", population: 2_100_000 });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual({
      city: "Paris",
      population: 2_100_000,
    });
  });

  it("answers isError naming the run when the run fails", async () => {
    const client = await connect(fixture.key);
    const result = await client.callTool({ name: "broken", arguments: { task: "Try" } });
    expect(result.isError).toBe(true);
    const runId = (result._meta as Record<string, string>)["troupe/run-id"]!;
    expect((result.content as Array<{ text: string }>)[0]!.text).toContain(`The run ${runId} failed`);
    expect((await harness.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("failed");
  });

  it("passes images and extra values to the run, a NUL in them stored as U+FFFD", async () => {
    const client = await connect(fixture.key);
    const result = await client.callTool({
      name: "answers",
      arguments: {
        task: "Look",
        images: ["https://example.com/cat.png"],
        additional_args: { note: "a\u0000b" },
      },
    });
    const runId = (result._meta as Record<string, string>)["troupe/run-id"]!;
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.input).toEqual({
      images: ["https://example.com/cat.png"],
      additionalArgs: { note: "a\uFFFDb" },
    });
  });

  it("refuses invalid arguments as a tool error naming the field, without starting a run", async () => {
    const client = await connect(fixture.key);
    const before = await harness.db.run.count();
    const invalid = await client.callTool({
      name: "answers",
      arguments: { task: "Hi", images: ["ftp://x"] },
    });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0]!.text).toMatch(/\(images\.0\).*http\(s\) URL/);
    const unknown = await client.callTool({ name: "answers", arguments: { task: "Hi", temperature: 1 } });
    expect((unknown.content as Array<{ text: string }>)[0]!.text).toMatch(/temperature/);
    const missing = await client.callTool({ name: "answers", arguments: {} });
    expect((missing.content as Array<{ text: string }>)[0]!.text).toMatch(/\(task\)/);
    expect(await harness.db.run.count()).toBe(before);
  });

  it("refuses a wrong key and a missing key", async () => {
    for (const key of ["trp_wrongwrongwrongwrongwrongwrongwrong", null]) {
      const client = new Client({ name: "troupe-test", version: "1.0.0" });
      const error = await client.connect(transportFor(key)).catch((reason: unknown) => reason);
      expect(error, String(key)).toBeInstanceOf(Error);
      expect(String(error)).toMatch(/401|api key/i);
    }
  });

  it("does not list, nor call, an endpoint outside a scoped key's scope or another team's", async () => {
    const client = await connect(await createKey({ endpointIds: [fixture.endpointId] }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["answers"]);
    for (const name of ["weather", other.slug, "retired"]) {
      const error = await client
        .callTool({ name, arguments: { task: "Hi" } })
        .catch((reason: unknown) => reason);
      expect(error, name).toBeInstanceOf(Error);
      expect(String(error)).toMatch(/Unknown tool/);
    }
  });

  it("counts tool calls against the key's rate limit: 429 with Retry-After past it", async () => {
    const key = await createKey({ rateLimitPerMinute: 1 });
    const client = await connect(key);
    await client.listTools();
    const first = await client.callTool({ name: "answers", arguments: { task: "Once" } });
    expect(first.content).toEqual([{ type: "text", text: "forty-two" }]);
    const error = await client
      .callTool({ name: "answers", arguments: { task: "Twice" } })
      .catch((reason: unknown) => reason);
    expect((error as { code?: number }).code).toBe(429);
    expect(String(error)).toMatch(/1 calls per minute/);
    const raw = await fetch(`${harness.base}/api/v1/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "answers", arguments: { task: "Thrice" } },
      }),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("refuses a batch of tool calls without starting any run", async () => {
    const before = await harness.db.run.count();
    const call = (id: number) => ({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "answers", arguments: { task: `Call ${id}` } },
    });
    const response = await fetch(`${harness.base}/api/v1/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${fixture.key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify([call(1), call(2)]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /one tools\/call/,
    );
    expect(await harness.db.run.count()).toBe(before);
  });

  it("answers 405 to GET and DELETE (stateless), after checking the key", async () => {
    for (const method of ["GET", "DELETE"]) {
      const ok = await fetch(`${harness.base}/api/v1/mcp`, {
        method,
        headers: { authorization: `Bearer ${fixture.key}`, accept: "text/event-stream" },
      });
      expect(ok.status, method).toBe(405);
      expect(ok.headers.get("allow")).toBe("POST");
      const anonymous = await fetch(`${harness.base}/api/v1/mcp`, { method });
      expect(anonymous.status, method).toBe(401);
    }
  });
});
