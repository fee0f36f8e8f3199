import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentCancelledError, AgentGenerationError } from "~/agents/errors";
import { HfInferenceModel } from "~/agents/models/hf-inference-model";
import { drainStream, type ModelStreamEvent } from "~/agents/models/model";
import { OpenAICompatibleModel } from "~/agents/models/openai-compatible-model";
import { RecordingModel } from "~/agents/models/recording-model";
import { ReplayModel } from "~/agents/models/replay-model";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

let server: OpenAITestServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.reset();
});

const user = [{ role: "user" as const, content: "hi" }];

describe("OpenAICompatibleModel through the openai SDK", () => {
  it("sends key, headers, model and options, and returns content with usage", async () => {
    server.enqueue({ content: "hello there", usage: { prompt_tokens: 11, completion_tokens: 3 } });
    const model = new OpenAICompatibleModel({
      model: "gpt-test",
      apiKey: "sk-test",
      baseUrl: server.url,
      headers: { "x-team": "blue" },
      temperature: 0.2,
    });
    const out = await model.generate(user, { stopSequences: ["STOP"], maxTokens: 50 });
    expect(out.content).toBe("hello there");
    expect(out.tokenUsage).toEqual({ inputTokens: 11, outputTokens: 3 });
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBe("Bearer sk-test");
    expect(request.headers["x-team"]).toBe("blue");
    expect(request.body).toMatchObject({
      model: "gpt-test",
      temperature: 0.2,
      max_tokens: 50,
      stop: ["STOP"],
    });
  });

  it("returns native tool calls with parsed arguments and sends tool definitions", async () => {
    server.enqueue({
      toolCalls: [
        { name: "add", arguments: { a: 1, b: 2 } },
        { name: "add", arguments: { a: 3, b: 4 } },
      ],
    });
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url });
    const out = await model.generate(user, {
      tools: [{ name: "add", description: "adds", parameters: { type: "object", properties: {} } }],
      toolChoice: "required",
    });
    expect(out.toolCalls.map((call) => call.arguments)).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
    expect(server.requests[0]!.body).toMatchObject({
      tool_choice: "required",
      tools: [{ type: "function", function: { name: "add" } }],
    });
  });

  it("requests a JSON-schema response format", async () => {
    server.enqueue('{"city":"Paris"}');
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url });
    const schema = { type: "object", properties: { city: { type: "string" } } };
    const out = await model.generate(user, { responseFormat: { name: "answer", schema } });
    expect(JSON.parse(out.content)).toEqual({ city: "Paris" });
    expect(server.requests[0]!.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "answer", schema, strict: false },
    });
  });

  it("streams deltas over SSE, assembles tool calls and ends with usage", async () => {
    server.enqueue({
      content: "Thinking about the sum of numbers",
      toolCalls: [{ name: "add", arguments: { a: 10, b: 20 } }],
      usage: { prompt_tokens: 7, completion_tokens: 9 },
    });
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url });
    const events: ModelStreamEvent[] = [];
    for await (const event of model.generateStream(user)) events.push(event);
    const deltas = events.filter((e) => e.type === "delta");
    expect(deltas.length).toBeGreaterThan(2);
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") throw new Error("unreachable");
    expect(done.output.content).toBe("Thinking about the sum of numbers");
    expect(done.output.toolCalls).toEqual([
      { id: expect.any(String), name: "add", arguments: { a: 10, b: 20 } },
    ]);
    expect(done.output.tokenUsage).toEqual({ inputTokens: 7, outputTokens: 9 });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("retries 429 honouring Retry-After, and 5xx with backoff, reporting each retry", async () => {
    server.enqueue(
      { status: 429, headers: { "retry-after": "0.3" } },
      { status: 503 },
      { content: "finally", usage: { prompt_tokens: 1, completion_tokens: 1 } },
    );
    const retries: { attempt: number; delayMs: number; status?: number }[] = [];
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url, retry: { baseDelayMs: 20 } });
    const started = Date.now();
    const out = await model.generate(user, { onRetry: (info) => retries.push(info) });
    expect(out.content).toBe("finally");
    expect(retries.map((r) => r.status)).toEqual([429, 503]);
    expect(retries[0]!.delayMs).toBe(300);
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("does not retry a 401 and reports a user-kind generation error", async () => {
    server.enqueue({ status: 401, body: { error: { message: "bad key" } } });
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url, retry: { baseDelayMs: 1 } });
    const error = await model.generate(user).catch((e) => e);
    expect(error).toBeInstanceOf(AgentGenerationError);
    expect(error.kind).toBe("user");
    expect(error.status).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after maxRetries on persistent 500s", async () => {
    server.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const model = new OpenAICompatibleModel({
      model: "m",
      baseUrl: server.url,
      retry: { baseDelayMs: 1, maxRetries: 2 },
    });
    const error = await model.generate(user).catch((e) => e);
    expect(error).toBeInstanceOf(AgentGenerationError);
    expect(error.kind).toBe("operational");
    expect(server.requests).toHaveLength(3);
  });

  it("aborts an in-flight request when the signal fires", async () => {
    server.enqueue({ content: "late", delayMs: 5_000 });
    const model = new OpenAICompatibleModel({ model: "m", baseUrl: server.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await model.generate(user, { signal: controller.signal }).catch((e) => e);
    expect(error).toBeInstanceOf(AgentCancelledError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("HfInferenceModel through @huggingface/inference with an endpoint URL", () => {
  it("completes a chat against the local server", async () => {
    server.enqueue({ content: "hf says hi", usage: { prompt_tokens: 4, completion_tokens: 2 } });
    const model = new HfInferenceModel({ model: "meta/llama", endpointUrl: server.origin, token: "hf_test" });
    const out = await model.generate(user, { maxTokens: 20 });
    expect(out.content).toBe("hf says hi");
    expect(out.tokenUsage).toEqual({ inputTokens: 4, outputTokens: 2 });
    expect(server.requests[0]!.path).toBe("/v1/chat/completions");
    expect(server.requests[0]!.headers.authorization).toBe("Bearer hf_test");
    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 20 });
  });

  it("returns tool calls and streams", async () => {
    server.enqueue({ toolCalls: [{ name: "search", arguments: { q: "x" } }] });
    server.enqueue({ content: "streamed from hf", usage: { prompt_tokens: 5, completion_tokens: 6 } });
    const model = new HfInferenceModel({ model: "m", endpointUrl: server.origin });
    const out = await model.generate(user, {
      tools: [{ name: "search", description: "s", parameters: { type: "object", properties: {} } }],
    });
    expect(out.toolCalls).toEqual([{ id: expect.any(String), name: "search", arguments: { q: "x" } }]);
    const streamed = await drainStream(model.generateStream(user));
    expect(streamed.content).toBe("streamed from hf");
    expect(streamed.tokenUsage).toEqual({ inputTokens: 5, outputTokens: 6 });
  });

  it("retries a 503 from the endpoint", async () => {
    server.enqueue({ status: 503 }, "recovered");
    const model = new HfInferenceModel({ model: "m", endpointUrl: server.origin, retry: { baseDelayMs: 5 } });
    const retries: number[] = [];
    const out = await model.generate(user, { onRetry: (info) => retries.push(info.status ?? 0) });
    expect(out.content).toBe("recovered");
    expect(retries).toEqual([503]);
  });
});

describe("HfInferenceModel provider routing", () => {
  /** The HF Hub and provider hosts are on the internet: this fetch answers the Hub's mapping
   * lookup with a fixed mapping and sends provider calls to the local server instead. */
  const hubAndProviders =
    (seen: string[]): typeof fetch =>
    async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      seen.push(`${url.host}${url.pathname}`);
      if (url.host === "huggingface.co") {
        return new Response(
          JSON.stringify({
            inferenceProviderMapping: {
              together: {
                providerId: "meta-llama/Llama-3-8b-chat-hf",
                status: "live",
                task: "conversational",
              },
            },
          }),
          { headers: { "content-type": "application/json" } },
        );
      }
      return fetch(`${server.origin}${url.pathname}`, init);
    };

  it("routes an HF token to a named provider through the HF router, with the provider model id", async () => {
    server.enqueue("from together");
    const seen: string[] = [];
    const model = new HfInferenceModel({
      model: "meta-llama/Meta-Llama-3-8B-Instruct",
      provider: "together",
      token: "hf_x",
      fetch: hubAndProviders(seen),
    });
    expect((await model.generate(user)).content).toBe("from together");
    expect(seen).toEqual([
      "huggingface.co/api/models/meta-llama/Meta-Llama-3-8B-Instruct",
      "router.huggingface.co/together/v1/chat/completions",
    ]);
    expect(server.requests[0]!.body.model).toBe("meta-llama/Llama-3-8b-chat-hf");
  });

  it("routes 'auto' through the HF router", async () => {
    server.enqueue("from the router");
    const seen: string[] = [];
    const model = new HfInferenceModel({
      model: "Qwen/Qwen3-8B",
      token: "hf_x",
      fetch: hubAndProviders(seen),
    });
    expect((await model.generate(user)).content).toBe("from the router");
    expect(seen).toEqual(["router.huggingface.co/v1/chat/completions"]);
    expect(server.requests[0]!.body.model).toBe("Qwen/Qwen3-8B");
  });
});

describe("RecordingModel and ReplayModel", () => {
  it("records a real run's answers as a transcript that replays identically", async () => {
    server.enqueue("first answer", { content: "second", toolCalls: [{ name: "t", arguments: { k: 1 } }] });
    const recorder = new RecordingModel(new OpenAICompatibleModel({ model: "m", baseUrl: server.url }));
    const a = await recorder.generate(user);
    const b = await drainStream(recorder.generateStream(user));
    expect(recorder.transcript).toEqual([
      "first answer",
      { content: "second", tool_calls: [{ name: "t", arguments: { k: 1 } }] },
    ]);
    const replay = new ReplayModel(JSON.parse(JSON.stringify(recorder.transcript)));
    expect((await replay.generate(user)).content).toBe(a.content);
    const replayed = await replay.generate(user);
    expect(replayed.content).toBe(b.content);
    expect(replayed.toolCalls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
      { name: "t", args: { k: 1 } },
    ]);
    await expect(replay.generate(user)).rejects.toThrow(/exhausted/);
  });
});
