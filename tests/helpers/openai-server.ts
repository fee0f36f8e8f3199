import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A scripted OpenAI-compatible HTTP server for tests: `/v1/chat/completions` (plain JSON and SSE
 * with usage, native tool calls) and `/v1/audio/transcriptions`. Each request takes the next
 * scripted reply; replies can be errors with status and headers (429 with Retry-After, 5xx), can
 * be delayed (for cancellation tests), or can be functions of the request. Every request is
 * recorded. Listens on 127.0.0.1, port 0.
 */

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  id?: string;
}

export interface ScriptedAnswer {
  content?: string;
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  delayMs?: number;
}

export interface ScriptedError {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type ScriptedReply =
  | string
  | ScriptedAnswer
  | ScriptedError
  | ((request: RecordedRequest) => string | ScriptedAnswer | ScriptedError);

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (chat completions); raw text for multipart bodies. */
  body: Record<string, unknown>;
  rawBody: string;
  receivedAt: number;
}

export interface OpenAITestServer {
  /** Base URL including `/v1`, for the openai SDK's baseURL. */
  readonly url: string;
  /** Origin without `/v1` (for endpoint URLs that append their own route). */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Requests aborted by the client before the reply was sent. */
  readonly aborted: RecordedRequest[];
  enqueue(...replies: ScriptedReply[]): void;
  /** Drop unused scripted replies and recorded requests (between tests). */
  reset(): void;
  /** Reply used when the script is empty (default: a 500 saying so). */
  fallback: ScriptedReply | undefined;
  /** Text returned by the transcription route. */
  transcription: string;
  close(): Promise<void>;
}

const isError = (reply: ScriptedAnswer | ScriptedError): reply is ScriptedError => "status" in reply;

function estimateUsage(body: Record<string, unknown>, answer: ScriptedAnswer) {
  const prompt = JSON.stringify(body.messages ?? "").length;
  const completion = (answer.content ?? "").length + JSON.stringify(answer.toolCalls ?? []).length;
  return { prompt_tokens: Math.ceil(prompt / 4), completion_tokens: Math.ceil(completion / 4) };
}

function toolCallsPayload(calls: ScriptedToolCall[] | undefined, requestIndex: number) {
  return (calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${requestIndex}_${index}`,
    type: "function",
    function: {
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
}

function wait(ms: number, request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    request.socket.once("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export async function startOpenAIServer(replies: ScriptedReply[] = []): Promise<OpenAITestServer> {
  const queue = [...replies];
  const requests: RecordedRequest[] = [];
  const aborted: RecordedRequest[] = [];
  let server: Server;

  const state = {
    fallback: undefined as ScriptedReply | undefined,
    transcription: "transcribed text",
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    let body: Record<string, unknown> = {};
    try {
      body = rawBody ? JSON.parse(rawBody) : {};
    } catch {
      body = {};
    }
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const recorded: RecordedRequest = {
      path,
      headers: request.headers,
      body,
      rawBody,
      receivedAt: Date.now(),
    };
    requests.push(recorded);

    if (path.endsWith("/audio/transcriptions")) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ text: state.transcription }));
      return;
    }
    if (!path.endsWith("/chat/completions")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no route ${path}` } }));
      return;
    }
    const scripted = queue.shift() ?? state.fallback;
    let reply: string | ScriptedAnswer | ScriptedError =
      scripted === undefined
        ? { status: 500, body: { error: { message: "test server: script exhausted" } } }
        : typeof scripted === "function"
          ? scripted(recorded)
          : scripted;
    if (typeof reply === "string") reply = { content: reply };
    if (reply.delayMs && !(await wait(reply.delayMs, request))) {
      aborted.push(recorded);
      return;
    }
    if (isError(reply)) {
      response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      response.end(JSON.stringify(reply.body ?? { error: { message: `scripted ${reply.status}` } }));
      return;
    }
    const index = requests.length;
    const usage = reply.usage ?? estimateUsage(body, reply);
    const toolCalls = toolCallsPayload(reply.toolCalls, index);
    const model = typeof body.model === "string" ? body.model : "test-model";
    if (body.stream) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
      const base = { id: `chatcmpl-${index}`, object: "chat.completion.chunk", created: 0, model };
      send({
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
      });
      const content = reply.content ?? "";
      for (let i = 0; i < content.length; i += 8) {
        send({
          ...base,
          choices: [{ index: 0, delta: { content: content.slice(i, i + 8) }, finish_reason: null }],
        });
      }
      toolCalls.forEach((call, i) => {
        const args = call.function.arguments;
        const half = Math.floor(args.length / 2);
        send({
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index: i,
                    id: call.id,
                    type: "function",
                    function: { name: call.function.name, arguments: args.slice(0, half) },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        });
        send({
          ...base,
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: i, function: { arguments: args.slice(half) } }] },
              finish_reason: null,
            },
          ],
        });
      });
      send({
        ...base,
        choices: [{ index: 0, delta: {}, finish_reason: toolCalls.length ? "tool_calls" : "stop" }],
      });
      const options = body.stream_options as { include_usage?: boolean } | undefined;
      if (options?.include_usage) {
        send({
          ...base,
          choices: [],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
      }
      response.end("data: [DONE]\n\n");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: 0,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: reply.content ?? null,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: toolCalls.length ? "tool_calls" : "stop",
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
  }

  server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    aborted,
    enqueue: (...more) => queue.push(...more),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      aborted.length = 0;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(value) {
      state.fallback = value;
    },
    get transcription() {
      return state.transcription;
    },
    set transcription(value) {
      state.transcription = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
