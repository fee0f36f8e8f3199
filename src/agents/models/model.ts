import { z } from "zod";

/**
 * The model interface every provider implements: messages in, one message out with
 * text, tool calls, token usage and timing. `generateStream` yields text deltas and ends with the
 * same message. Message cleanup that every provider needs (merging, role mapping) happens once in
 * `normaliseMessages`; providers only translate to their wire format.
 */

export const tokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

export const contentPartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  /** `image` is a data: URL or an http(s) URL. */
  z.object({ type: z.literal("image"), image: z.string() }),
]);
export type ContentPart = z.infer<typeof contentPartSchema>;

export const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.unknown(),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const chatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.union([z.string(), z.array(contentPartSchema)]),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A tool as the model sees it (OpenAI function format). */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Information about a retry the provider is about to make, for the trace. */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  status: number | undefined;
  message: string;
}

export interface GenerateOptions {
  stopSequences?: string[];
  /** Ask for JSON matching this schema (structured output). */
  responseFormat?: { name: string; schema: Record<string, unknown> };
  tools?: ToolDefinition[];
  /** "required" forces a tool call where the provider supports it. */
  toolChoice?: "auto" | "required";
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
}

export interface ModelOutput {
  content: string;
  toolCalls: ToolCall[];
  tokenUsage: TokenUsage;
  durationMs: number;
  /** Why the provider stopped (`stop`, `tool_calls`, `length`…), when it said. */
  finishReason?: string;
}

export type ModelStreamEvent = { type: "delta"; text: string } | { type: "done"; output: ModelOutput };

export interface Model {
  readonly modelId: string;
  /** The provider, as traces name it (`gen_ai.provider.name`: openai, huggingface…). */
  readonly provider?: string;
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ModelOutput>;
  generateStream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ModelStreamEvent>;
}

/** Sum token usages. */
export function addUsage(a: TokenUsage, b: TokenUsage | undefined): TokenUsage {
  if (!b) return a;
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

export const zeroUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0 });

/**
 * Merge consecutive messages of the same role (some providers reject them) without copying text
 * parts more than needed, and drop empty ones.
 */
export function normaliseMessages(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const isEmpty =
      typeof message.content === "string" ? message.content === "" : message.content.length === 0;
    if (isEmpty) continue;
    const last = out[out.length - 1];
    if (last && last.role === message.role && message.role !== "system") {
      out[out.length - 1] = {
        role: last.role,
        content: [...toParts(last.content), ...toParts(message.content)],
      };
    } else {
      out.push(message);
    }
  }
  return out;
}

function toParts(content: ChatMessage["content"]): ContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** Plain text of a message's content (images dropped). */
export function messageText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

/** Apply stop sequences client-side (for providers or replays that ignore them). */
export function cutAtStop(text: string, stopSequences: string[] | undefined): string {
  if (!stopSequences) return text;
  let end = text.length;
  for (const stop of stopSequences) {
    const index = text.indexOf(stop);
    if (index !== -1 && index < end) end = index;
  }
  return text.slice(0, end);
}

/** Drain a stream into its final output (for providers that implement only the stream). */
export async function drainStream(stream: AsyncIterable<ModelStreamEvent>): Promise<ModelOutput> {
  for await (const event of stream) if (event.type === "done") return event.output;
  throw new Error("Model stream ended without a final message");
}
