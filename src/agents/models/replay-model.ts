import type { TranscriptItem } from "~/graph/agent-spec";
import { AgentGenerationError } from "../errors";
import {
  type ChatMessage,
  cutAtStop,
  type GenerateOptions,
  type Model,
  type ModelOutput,
  type ModelStreamEvent,
  type ToolCall,
} from "./model";
import { sleep } from "./retry";

export interface ReplayModelOptions {
  modelId?: string;
  /** Simulated latency per answer (ms), for demos and load tests. */
  latencyMs?: number;
}

const tokenCache = new WeakMap<ChatMessage, number>();
const toolTokenCache = new WeakMap<object, number>();

/** Rough token count (4 characters a token), cached per message so long runs stay cheap. */
export function estimateTokens(message: ChatMessage): number {
  let count = tokenCache.get(message);
  if (count === undefined) {
    count =
      typeof message.content === "string"
        ? Math.ceil(message.content.length / 4)
        : message.content.reduce(
            (sum, part) => sum + (part.type === "text" ? Math.ceil(part.text.length / 4) : 85),
            0,
          );
    tokenCache.set(message, count + 4);
    count += 4;
  }
  return count;
}

/**
 * Plays a recorded transcript in order (tests, the offline demo, exported runs). Token usage is
 * estimated from text length (messages plus tool definitions sent), 4 characters a token. Stop sequences are applied
 * client-side so code agents see the same text a real model would have stopped at.
 */
export class ReplayModel implements Model {
  readonly modelId: string;
  readonly provider = "replay";
  private index = 0;

  constructor(
    private readonly transcript: readonly TranscriptItem[],
    private readonly options: ReplayModelOptions = {},
  ) {
    this.modelId = options.modelId ?? "replay";
  }

  /** How many answers have been played. */
  get callCount(): number {
    return this.index;
  }

  private next(messages: ChatMessage[], options: GenerateOptions): ModelOutput {
    const item = this.transcript[this.index];
    if (item === undefined) {
      throw new AgentGenerationError(
        `Replay transcript exhausted: it has ${this.transcript.length} answers and answer ${this.index + 1} was requested`,
        { kind: "user" },
      );
    }
    const number = this.index++;
    const content = cutAtStop(typeof item === "string" ? item : (item.content ?? ""), options.stopSequences);
    const toolCalls: ToolCall[] =
      typeof item === "string"
        ? []
        : (item.tool_calls ?? []).map((call, i) => ({
            id: `call_${number}_${i}`,
            name: call.name,
            arguments: call.arguments,
          }));
    let inputTokens = 0;
    for (const message of messages) inputTokens += estimateTokens(message);
    if (options.tools?.length) {
      let toolTokens = toolTokenCache.get(options.tools);
      if (toolTokens === undefined) {
        toolTokens = Math.ceil(JSON.stringify(options.tools).length / 4);
        toolTokenCache.set(options.tools, toolTokens);
      }
      inputTokens += toolTokens;
    }
    const outputText = content + (toolCalls.length ? JSON.stringify(toolCalls) : "");
    return {
      content,
      toolCalls,
      tokenUsage: { inputTokens, outputTokens: Math.ceil(outputText.length / 4) },
      durationMs: 0,
    };
  }

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ModelOutput> {
    if (this.options.latencyMs) await sleep(this.options.latencyMs, options.signal);
    return this.next(messages, options);
  }

  async *generateStream(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): AsyncIterable<ModelStreamEvent> {
    if (this.options.latencyMs) await sleep(this.options.latencyMs, options.signal);
    const output = this.next(messages, options);
    for (const piece of output.content.match(/[^\n]*\n?/g) ?? []) {
      if (piece) yield { type: "delta", text: piece };
    }
    yield { type: "done", output };
  }
}
