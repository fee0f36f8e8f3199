import { InferenceClient } from "@huggingface/inference";
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

export interface HfInferenceModelOptions {
  model: string;
  token?: string;
  /** Provider routing: "auto", "together", "nebius", "hf-inference", ... */
  provider?: string;
  /** A dedicated endpoint (TGI, Inference Endpoint, or any server with the chat-completions route). */
  endpointUrl?: string;
  temperature?: number;
  maxTokens?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof globalThis.fetch;
}

type HfMessage = {
  role: string;
  content: string | { type: string; text?: string; image_url?: { url: string } }[];
};

/** Hugging Face Inference chat completion through `@huggingface/inference` (provider routing or endpoint URL). */
export class HfInferenceModel implements Model {
  readonly modelId: string;
  readonly provider = "huggingface";
  private readonly client: InferenceClient;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: HfInferenceModelOptions) {
    this.modelId = options.model;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.client = new InferenceClient(options.token ?? "", {
      endpointUrl: options.endpointUrl,
      fetch: options.fetch,
      retry_on_error: false,
    });
  }

  private args(messages: ChatMessage[], options: GenerateOptions) {
    const args: Record<string, unknown> = {
      model: this.options.model,
      messages: normaliseMessages(messages).map(toHfMessage),
    };
    // An endpoint URL bypasses provider routing (the client refuses both at once).
    if (!this.options.endpointUrl) args.provider = this.options.provider ?? "auto";
    const temperature = options.temperature ?? this.options.temperature;
    if (temperature !== undefined) args.temperature = temperature;
    const maxTokens = options.maxTokens ?? this.options.maxTokens;
    if (maxTokens !== undefined) args.max_tokens = maxTokens;
    if (options.stopSequences?.length) args.stop = options.stopSequences;
    if (options.tools?.length) {
      args.tools = options.tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
      args.tool_choice = options.toolChoice ?? "auto";
    }
    if (options.responseFormat) {
      args.response_format = {
        type: "json_schema",
        json_schema: { name: options.responseFormat.name, schema: options.responseFormat.schema },
      };
    }
    return args;
  }

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ModelOutput> {
    const started = performance.now();
    const args = this.args(messages, options);
    const result = await withRetries(
      // biome-ignore lint/suspicious/noExplicitAny: the client's argument union is too wide to spell here
      () => this.client.chatCompletion(args as any, { signal: options.signal }),
      this.retry,
      { signal: options.signal, onRetry: options.onRetry, provider: "Hugging Face" },
    );
    const message = result.choices[0]?.message;
    const toolCalls: ToolCall[] = (message?.tool_calls ?? []).map((call, index) => ({
      id: call.id || `call_${index}`,
      name: call.function.name,
      arguments:
        typeof call.function.arguments === "string"
          ? parseArguments(call.function.arguments)
          : call.function.arguments,
    }));
    return {
      content: cutAtStop(typeof message?.content === "string" ? message.content : "", options.stopSequences),
      toolCalls,
      tokenUsage: tokenUsageOf(result.usage),
      durationMs: performance.now() - started,
      ...(result.choices[0]?.finish_reason ? { finishReason: result.choices[0].finish_reason } : {}),
    };
  }

  async *generateStream(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): AsyncIterable<ModelStreamEvent> {
    const started = performance.now();
    const args = { ...this.args(messages, options), stream_options: { include_usage: true } };
    // biome-ignore lint/suspicious/noExplicitAny: the client's argument union is too wide to spell here
    const stream = this.client.chatCompletionStream(args as any, { signal: options.signal });
    const accumulator = new ChatCompletionStreamAccumulator(started);
    try {
      for await (const chunk of stream) {
        const text = accumulator.add(chunk);
        if (text) yield { type: "delta", text };
      }
    } catch (error) {
      // Streams are not retried mid-way; surface the failure as a generation error.
      await withRetries(
        () => Promise.reject(error),
        { ...this.retry, maxRetries: 0 },
        {
          signal: options.signal,
          provider: "Hugging Face",
        },
      );
    }
    yield { type: "done", output: accumulator.output(options.stopSequences) };
  }
}

function toHfMessage(message: ChatMessage): HfMessage {
  if (typeof message.content === "string") return { role: message.role, content: message.content };
  return {
    role: message.role,
    content: message.content.map((part) =>
      part.type === "text"
        ? { type: "text", text: part.text }
        : { type: "image_url", image_url: { url: part.image } },
    ),
  };
}
