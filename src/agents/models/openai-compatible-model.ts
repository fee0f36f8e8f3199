import OpenAI from "openai";
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { ChatCompletionStreamAccumulator, parseArguments, tokenUsageOf } from "./chat-completion-stream";
import {
  type ChatMessage,
  cutAtStop,
  type GenerateOptions,
  type Model,
  type ModelOutput,
  type ModelStreamEvent,
  normaliseMessages,
  type ToolCall,
} from "./model";
import { defaultRetryPolicy, type RetryPolicy, withRetries } from "./retry";

export interface OpenAICompatibleModelOptions {
  model: string;
  apiKey?: string;
  /** Any OpenAI-compatible base URL (OpenAI, Azure, Ollama, vLLM, Groq, Together, LiteLLM). */
  baseUrl?: string;
  headers?: Record<string, string>;
  temperature?: number;
  maxTokens?: number;
  retry?: Partial<RetryPolicy>;
  /** Request timeout per attempt (ms). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Chat completions through the official `openai` SDK. The SDK's own retries are off so that ours
 * (which honour Retry-After and report each retry to the trace) are the only ones.
 */
export class OpenAICompatibleModel implements Model {
  readonly modelId: string;
  readonly provider = "openai";
  private readonly client: OpenAI;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: OpenAICompatibleModelOptions) {
    this.modelId = options.model;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.client = new OpenAI({
      apiKey: options.apiKey ?? "not-needed",
      baseURL: options.baseUrl,
      // The SDK would otherwise read OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment and
      // send them to whatever base URL this model has.
      organization: null,
      project: null,
      defaultHeaders: options.headers,
      maxRetries: 0,
      timeout: options.timeoutMs ?? 600_000,
      fetch: options.fetch,
    });
  }

  private params(messages: ChatMessage[], options: GenerateOptions): ChatCompletionCreateParamsBase {
    const params: ChatCompletionCreateParamsBase = {
      model: this.options.model,
      messages: normaliseMessages(messages).map(toOpenAIMessage),
    };
    const temperature = options.temperature ?? this.options.temperature;
    if (temperature !== undefined) params.temperature = temperature;
    const maxTokens = options.maxTokens ?? this.options.maxTokens;
    if (maxTokens !== undefined) params.max_tokens = maxTokens;
    if (options.stopSequences?.length) params.stop = options.stopSequences.slice(0, 4);
    if (options.tools?.length) {
      params.tools = options.tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
      params.tool_choice = options.toolChoice ?? "auto";
    }
    if (options.responseFormat) {
      params.response_format = {
        type: "json_schema",
        json_schema: {
          name: options.responseFormat.name,
          schema: options.responseFormat.schema,
          strict: false,
        },
      };
    }
    return params;
  }

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ModelOutput> {
    const started = performance.now();
    const params = this.params(messages, options);
    const completion = await withRetries(
      () => this.client.chat.completions.create({ ...params, stream: false }, { signal: options.signal }),
      this.retry,
      { signal: options.signal, onRetry: options.onRetry, provider: "OpenAI-compatible" },
    );
    const choice = completion.choices[0];
    const message = choice?.message;
    const toolCalls: ToolCall[] = [];
    for (const call of message?.tool_calls ?? []) {
      if (call.type !== "function") continue;
      toolCalls.push({
        id: call.id,
        name: call.function.name,
        arguments: parseArguments(call.function.arguments),
      });
    }
    return {
      content: cutAtStop(message?.content ?? "", options.stopSequences),
      toolCalls,
      tokenUsage: tokenUsageOf(completion.usage),
      durationMs: performance.now() - started,
      ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
    };
  }

  async *generateStream(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): AsyncIterable<ModelStreamEvent> {
    const started = performance.now();
    const params = this.params(messages, options);
    const stream = await withRetries(
      () =>
        this.client.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: options.signal },
        ),
      this.retry,
      { signal: options.signal, onRetry: options.onRetry, provider: "OpenAI-compatible" },
    );
    const accumulator = new ChatCompletionStreamAccumulator(started);
    for await (const chunk of stream) {
      const text = accumulator.add(chunk);
      if (text) yield { type: "delta", text };
    }
    yield { type: "done", output: accumulator.output(options.stopSequences) };
  }
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === "user" && typeof message.content !== "string") {
    return {
      role: "user",
      content: message.content.map((part) =>
        part.type === "text"
          ? { type: "text" as const, text: part.text }
          : { type: "image_url" as const, image_url: { url: part.image } },
      ),
    };
  }
  const text =
    typeof message.content === "string"
      ? message.content
      : message.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
  return { role: message.role, content: text };
}
