import { cutAtStop, type ModelOutput } from "./model";

/**
 * One chunk of an OpenAI-style chat-completion stream. The `openai` SDK and
 * `@huggingface/inference` both deliver this shape, so one accumulator serves both providers.
 */
export interface ChatCompletionChunk {
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  choices?: Array<{
    finish_reason?: string | null;
    delta?: {
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
  }>;
}

/** Token counts of an OpenAI-style `usage` object (zero when the provider sent none). */
export function tokenUsageOf(usage: ChatCompletionChunk["usage"] | undefined): {
  inputTokens: number;
  outputTokens: number;
} {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

/** Tool-call arguments arrive as a JSON string; keep the raw string when it is not JSON. */
export function parseArguments(raw: string): unknown {
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Folds stream chunks into the final message: text, tool calls assembled by index, usage. */
export class ChatCompletionStreamAccumulator {
  private content = "";
  private readonly calls: { id: string; name: string; arguments: string }[] = [];
  private usage = { inputTokens: 0, outputTokens: 0 };
  private finishReason: string | undefined;

  /** `started`: when the request was sent (performance.now()), so durations include the wait for it. */
  constructor(private readonly started: number) {}

  /** Take one chunk in; returns the text it added, if any (to stream as a delta). */
  add(chunk: ChatCompletionChunk): string | undefined {
    if (chunk.usage) this.usage = tokenUsageOf(chunk.usage);
    const finishReason = chunk.choices?.[0]?.finish_reason;
    if (finishReason) this.finishReason = finishReason;
    const delta = chunk.choices?.[0]?.delta;
    if (!delta) return undefined;
    for (const call of delta.tool_calls ?? []) {
      let slot = this.calls[call.index];
      if (!slot) {
        slot = { id: "", name: "", arguments: "" };
        this.calls[call.index] = slot;
      }
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name += call.function.name;
      if (call.function?.arguments) slot.arguments += call.function.arguments;
    }
    if (typeof delta.content !== "string" || !delta.content) return undefined;
    this.content += delta.content;
    return delta.content;
  }

  /** The whole message, cut at the first stop sequence. */
  output(stopSequences: string[] | undefined): ModelOutput {
    return {
      content: cutAtStop(this.content, stopSequences),
      toolCalls: this.calls
        .filter((call) => call !== undefined)
        .map((call, index) => ({
          id: call.id || `call_${index}`,
          name: call.name,
          arguments: parseArguments(call.arguments),
        })),
      tokenUsage: this.usage,
      durationMs: performance.now() - this.started,
      ...(this.finishReason ? { finishReason: this.finishReason } : {}),
    };
  }
}
