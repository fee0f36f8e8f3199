import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
 * The OpenAI-compatible routes through the official `openai` npm client over real HTTP: an endpoint's
 * slug is the model, the chat becomes a real run (worked by the in-process worker, stored with its
 * source, key, conversation and images), the answer comes back plain or streamed with usage, and every
 * refusal is in OpenAI's error shape so the client raises its own error classes.
 */
const database = await prepareApiEnvironment("openai");
const { chatCompletionWaits } = await import("~/server/publish/openai-compat");
const { cancelRun } = await import("~/server/runs/cancel-run");
const { unpublishEndpoint } = await import("~/server/publish/endpoints");

const LONG_ANSWER =
  "The answer is forty-two, as computed by Deep Thought over seven and a half million years, " +
  "although nobody quite remembers the question it answers.";
const RED_PIXEL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

let harness: ApiHarness;
let fixture: PublishedFixture;
let other: PublishedFixture;
let client: OpenAI;

function clientFor(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${harness.base}/api/v1`, maxRetries: 0 });
}

/** Save `document` as a new version of the fixture's workflow and publish it under `slug`. */
const addEndpoint = (slug: string, document: ReturnType<typeof replayWorkflow>, owner = fixture) =>
  publishNextVersion(harness.db, owner, slug, document);

const createKey = (owner: PublishedFixture, options: Parameters<typeof createApiKey>[2]) =>
  createApiKey(harness.db, owner, options);

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "openai@example.com",
    slug: "answers",
    document: replayWorkflow("forty-two"),
  });
  other = await publishFixture(harness.db, {
    email: "other-team@example.com",
    slug: "secret-agent",
    document: replayWorkflow("not yours"),
  });
  await addEndpoint("long", replayWorkflow(LONG_ANSWER));
  await addEndpoint("structured", replayWorkflow({ city: "Paris", population: 2_100_000 }));
  await addEndpoint("slow", replayWorkflow("eventually", { latencyMs: 1_500 }));
  client = clientFor(fixture.key);
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

describe("POST /api/v1/chat/completions", () => {
  it("runs the endpoint named by model and answers a chat.completion with the run's usage", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "answers", messages: [{ role: "user", content: "What is the answer?" }] })
      .withResponse();
    const runId = response.headers.get("x-troupe-run-id");
    expect(runId).toBeTruthy();
    expect(data.id).toBe(`chatcmpl-${runId}`);
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("answers");
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message).toMatchObject({ role: "assistant", content: "forty-two" });
    expect(data.choices[0]!.finish_reason).toBe("stop");
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId! } });
    expect(run).toMatchObject({
      status: "succeeded",
      source: "api",
      endpointId: fixture.endpointId,
      apiKeyId: fixture.keyId,
      task: "What is the answer?",
    });
    expect(run.inputTokens).toBeGreaterThan(0);
    expect(data.usage).toEqual({
      prompt_tokens: run.inputTokens,
      completion_tokens: run.outputTokens,
      total_tokens: run.inputTokens + run.outputTokens,
    });
    const recorded = await harness.db.apiRequest.findFirstOrThrow({ where: { runId: runId! } });
    expect(recorded).toMatchObject({ surface: "openai", status: 200, apiKeyId: fixture.keyId });
  });

  it("answers a final answer that is not text as JSON text", async () => {
    const completion = await client.chat.completions.create({
      model: "structured",
      messages: [{ role: "user", content: "Which city?" }],
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({
      city: "Paris",
      population: 2_100_000,
    });
  });

  it("streams the answer as chunks ending with the usage chunk when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "long",
      messages: [{ role: "user", content: "Tell me the answer." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(1);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(LONG_ANSWER);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("stop");
    const runId = chunks[0]!.id.replace(/^chatcmpl-/, "");
    expect(chunks.every((chunk) => chunk.id === `chatcmpl-${runId}`)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(last.usage).toEqual({
      prompt_tokens: run.inputTokens,
      completion_tokens: run.outputTokens,
      total_tokens: run.inputTokens + run.outputTokens,
    });
  });

  it("streams without a usage chunk unless asked", async () => {
    const stream = await client.chat.completions.create({
      model: "answers",
      messages: [{ role: "user", content: "Again?" }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("forty-two");
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
  });

  it("passes earlier messages as the conversation and prepends system messages to the task", async () => {
    const { response } = await client.chat.completions
      .create({
        model: "answers",
        temperature: 0.2,
        max_tokens: 100,
        messages: [
          { role: "system", content: "Answer in one word." },
          { role: "user", content: "Hello, who are you?" },
          { role: "assistant", content: "A helper." },
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: RED_PIXEL } },
              { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
            ],
          },
        ],
      })
      .withResponse();
    const run = await harness.db.run.findUniqueOrThrow({
      where: { id: response.headers.get("x-troupe-run-id")! },
    });
    expect(run.task).toBe("Answer in one word.\n\nWhat is in this picture?");
    expect(run.input).toEqual({
      images: [RED_PIXEL, "https://example.com/cat.png"],
      conversation: [
        { role: "user", content: "Hello, who are you?" },
        { role: "assistant", content: "A helper." },
      ],
    });
  });

  it("stores a NUL character anywhere in the chat as U+FFFD instead of failing the run's insert", async () => {
    const { response } = await client.chat.completions
      .create({
        model: "answers",
        messages: [
          { role: "user", content: "Earlier\u0000turn" },
          { role: "assistant", content: "Noted." },
          {
            role: "user",
            content: [
              { type: "text", text: "Now\u0000this" },
              { type: "image_url", image_url: { url: "https://example.com/a\u0000b.png" } },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.status).toBe(200);
    const run = await harness.db.run.findUniqueOrThrow({
      where: { id: response.headers.get("x-troupe-run-id")! },
    });
    expect(run.task).toBe("Now\uFFFDthis");
    expect(run.input).toMatchObject({
      images: ["https://example.com/a\uFFFDb.png"],
      conversation: [
        { role: "user", content: "Earlier\uFFFDturn" },
        { role: "assistant", content: "Noted." },
      ],
    });
  });

  it("refuses input that makes no valid run, naming the field, in OpenAI's error shape", async () => {
    const cases: Array<{ body: Record<string, unknown>; param: string; message: RegExp }> = [
      {
        body: {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Look" },
                { type: "image_url", image_url: { url: "file:///etc/passwd" } },
              ],
            },
          ],
        },
        param: "messages.0.content.1.image_url.url",
        message: /http\(s\) URL or a base64 data URI/,
      },
      {
        body: {
          messages: [
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello" },
          ],
        },
        param: "messages.1.role",
        message: /last message must be the user's/,
      },
      {
        body: { messages: [{ role: "user", content: "   " }] },
        param: "messages.0.content",
        message: /Give the agent a task/,
      },
      {
        body: { messages: [{ role: "user", content: "Hi" }], temprature: 0.5 },
        param: "temprature",
        message: /Unknown field "temprature"/,
      },
      {
        body: { messages: [{ role: "user", content: "Hi" }], tools: [{ type: "function" }] },
        param: "tools",
        message: /calls its own tools/,
      },
      {
        body: { messages: [{ role: "user", content: "Hi" }], n: 2 },
        param: "n",
        message: /n = 1/,
      },
    ];
    for (const { body, param, message } of cases) {
      const error = await client.chat.completions.create({ model: "answers", ...body } as never).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(bad.status).toBe(400);
      expect(bad.param, JSON.stringify(bad.error)).toBe(param);
      expect(bad.message).toMatch(message);
      expect(bad.type).toBe("invalid_request_error");
    }
  });

  it("refuses a wrong key with AuthenticationError 401", async () => {
    const error = await clientFor("trp_wrongwrongwrongwrongwrongwrongwrong")
      .chat.completions.create({ model: "answers", messages: [{ role: "user", content: "Hi" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe("authentication_error");
  });

  it("refuses a revoked key and a missing one with AuthenticationError 401, saying which", async () => {
    const revoked = await clientFor((await createKey(fixture, { revoked: true })).key)
      .chat.completions.create({ model: "answers", messages: [{ role: "user", content: "Hi" }] })
      .catch((reason: unknown) => reason);
    expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((revoked as InstanceType<typeof OpenAI.APIError>).code).toBe("revoked_api_key");
    const missing = await fetch(`${harness.base}/api/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "answers", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: {
        message: "Send an API key: Authorization: Bearer <key>.",
        type: "authentication_error",
        param: null,
        code: "missing_api_key",
      },
    });
  });

  it("answers 429 once the key's monthly cost cap is spent, telling the client not to retry", async () => {
    const { key, hash } = await createKey(fixture, { monthlyCostCapUsd: 0 });
    const keyId = (await harness.db.apiKey.findUniqueOrThrow({ where: { hash } })).id;
    const retrying = new OpenAI({ apiKey: key, baseURL: `${harness.base}/api/v1`, maxRetries: 2 });
    const error = await retrying.chat.completions
      .create({ model: "answers", messages: [{ role: "user", content: "Hi" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const capped = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(capped.code).toBe("cost_cap_reached");
    expect(Number(capped.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(await harness.db.apiRequest.count({ where: { apiKeyId: keyId } })).toBe(1);
    expect(await harness.db.run.count({ where: { apiKeyId: keyId } })).toBe(0);
  });

  it("answers 404 for an unknown model, another team's endpoint and an unpublished one", async () => {
    const extra = await addEndpoint("retired", replayWorkflow("old"));
    await unpublishEndpoint(harness.db, {
      teamId: fixture.teamId,
      endpointId: extra.id,
      actorId: fixture.userId,
    });
    for (const model of ["no-such-endpoint", other.slug, "retired"]) {
      const error = await client.chat.completions
        .create({ model, messages: [{ role: "user", content: "Hi" }] })
        .catch((reason: unknown) => reason);
      expect(error, model).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe("model");
    }
  });

  it("answers 403 for an endpoint outside the key's scope", async () => {
    const scoped = clientFor((await createKey(fixture, { endpointIds: [fixture.endpointId] })).key);
    const error = await scoped.chat.completions
      .create({ model: "long", messages: [{ role: "user", content: "Hi" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
  });

  it("answers RateLimitError 429 with Retry-After past the key's rate limit", async () => {
    const limited = clientFor((await createKey(fixture, { rateLimitPerMinute: 1 })).key);
    const first = await limited.chat.completions.create({
      model: "answers",
      messages: [{ role: "user", content: "Once" }],
    });
    expect(first.choices[0]!.message.content).toBe("forty-two");
    const error = await limited.chat.completions
      .create({ model: "answers", messages: [{ role: "user", content: "Twice" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limitedError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limitedError.status).toBe(429);
    expect(Number(limitedError.headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers a run that fails with an error naming the run, not retried by the client", async () => {
    const broken = replayWorkflow("never");
    const model = broken.nodes.find((node) => node.type === "model")!;
    (model.data as { transcript: unknown[] }).transcript = [{ content: "I will not answer." }];
    await addEndpoint("broken", broken);
    const retrying = new OpenAI({ apiKey: fixture.key, baseURL: `${harness.base}/api/v1`, maxRetries: 2 });
    const before = await harness.db.run.count({ where: { endpoint: { slug: "broken" } } });
    const error = await retrying.chat.completions
      .create({ model: "broken", messages: [{ role: "user", content: "Try" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const failed = error as InstanceType<typeof OpenAI.APIError>;
    const runId = failed.headers?.get("x-troupe-run-id");
    expect(runId).toBeTruthy();
    expect(failed.message).toContain(runId);
    expect(await harness.db.run.count({ where: { endpoint: { slug: "broken" } } })).toBe(before + 1);
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId! } });
    expect(run.status).toBe("failed");
  });

  it("ends a stream whose run is cancelled with an error event the client raises", async () => {
    const stream = await client.chat.completions.create({
      model: "slow",
      messages: [{ role: "user", content: "Take your time." }],
      stream: true,
    });
    let first = true;
    const error = await (async () => {
      for await (const chunk of stream) {
        if (first) {
          first = false;
          await cancelRun(harness.db, chunk.id.replace(/^chatcmpl-/, ""));
        }
      }
    })().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/was cancelled/);
  });

  it("answers 504 naming the run when it is still running at the deadline", async () => {
    const saved = chatCompletionWaits.responseMs;
    chatCompletionWaits.responseMs = 200;
    try {
      const error = await client.chat.completions
        .create({ model: "slow", messages: [{ role: "user", content: "Quick?" }] })
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      const late = error as InstanceType<typeof OpenAI.APIError>;
      expect(late.status).toBe(504);
      const runId = late.headers?.get("x-troupe-run-id");
      expect(late.message).toContain(`/api/v1/runs/${runId}`);
    } finally {
      chatCompletionWaits.responseMs = saved;
    }
  });
});

describe("GET /api/v1/models", () => {
  it("lists the published endpoints the key may call", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    const ids = models.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["answers", "long", "structured", "slow"]));
    expect(ids).not.toContain("retired");
    expect(ids).not.toContain(other.slug);
    expect(models.every((model) => model.object === "model" && model.owned_by === fixture.teamSlug)).toBe(
      true,
    );
  });

  it("lists only the endpoints in a scoped key's scope", async () => {
    const scoped = clientFor((await createKey(fixture, { endpointIds: [fixture.endpointId] })).key);
    const models = [];
    for await (const model of scoped.models.list()) models.push(model.id);
    expect(models).toEqual(["answers"]);
  });

  it("reads one model, and answers 404 for one the key's team has not published", async () => {
    const model = await client.models.retrieve("answers");
    expect(model).toMatchObject({ id: "answers", object: "model", owned_by: fixture.teamSlug });
    expect(model.created).toBeGreaterThan(0);
    const error = await client.models.retrieve(other.slug).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("refuses a wrong key", async () => {
    const error = await clientFor("trp_notakeynotakeynotakeynotakey")
      .models.list()
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
