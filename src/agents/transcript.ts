import type { TranscriptItem } from "~/graph/agent-spec";
import type { RunEvent } from "./events";

/**
 * Rebuild a replayable transcript from a run's events: every `model_output` event, in sequence
 * order, becomes one transcript item (planning and best-answer calls included, managed agents
 * interleaved as they ran). Replaying it with `ReplayModel` as the model of the whole tree
 * (`buildAgent(spec, { modelOverride })`) re-runs the recorded run without the provider.
 */
export function transcriptFromEvents(events: readonly RunEvent[]): TranscriptItem[] {
  return [...events]
    .sort((a, b) => a.seq - b.seq)
    .flatMap((event): TranscriptItem[] => {
      if (event.type !== "model_output") return [];
      if (event.toolCalls.length === 0) return [event.content];
      return [
        {
          ...(event.content ? { content: event.content } : {}),
          tool_calls: event.toolCalls.map((call) => ({
            name: call.name,
            arguments:
              typeof call.arguments === "object" && call.arguments !== null && !Array.isArray(call.arguments)
                ? (call.arguments as Record<string, unknown>)
                : { value: call.arguments },
          })),
        },
      ];
    });
}
