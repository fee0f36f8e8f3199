import type { TranscriptItem } from "~/graph/agent-spec";
import type { ChatMessage, GenerateOptions, Model, ModelOutput, ModelStreamEvent } from "./model";

/**
 * Wraps a real model and records every answer as a transcript item, so a run can be exported and
 * replayed with `ReplayModel` (write `recorder.transcript` as JSON: the transcript file format).
 */
export class RecordingModel implements Model {
  readonly modelId: string;
  readonly provider: string | undefined;
  /** Pass one array to several recorders (a managed-agent tree) to get one transcript in call order. */
  constructor(
    private readonly inner: Model,
    readonly transcript: TranscriptItem[] = [],
  ) {
    this.modelId = inner.modelId;
    this.provider = inner.provider;
  }

  private record(output: ModelOutput): void {
    if (output.toolCalls.length === 0) {
      this.transcript.push(output.content);
      return;
    }
    this.transcript.push({
      ...(output.content ? { content: output.content } : {}),
      tool_calls: output.toolCalls.map((call) => ({
        name: call.name,
        arguments:
          typeof call.arguments === "object" && call.arguments !== null
            ? (call.arguments as Record<string, unknown>)
            : { value: call.arguments },
      })),
    });
  }

  async generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ModelOutput> {
    const output = await this.inner.generate(messages, options);
    this.record(output);
    return output;
  }

  async *generateStream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ModelStreamEvent> {
    for await (const event of this.inner.generateStream(messages, options)) {
      if (event.type === "done") this.record(event.output);
      yield event;
    }
  }
}
