import { z } from "zod";
import type { RunEvent } from "~/agents/events";

/**
 * What a chat shows of a run (the public share page and the canvas's playground): a summary per
 * finished step — which agent, its thought (shortened), the tools it called, whether it failed and
 * retried — and the root agent's final answer. Nothing else of the run leaves the server for the
 * public page: no spec, no tool observations, no error messages. Browser-safe.
 */
export const CHAT_THOUGHT_CHARS = 600;

export const chatStepSchema = z.object({
  /** Agent names from the root, e.g. ["manager", "researcher"]. */
  agentPath: z.array(z.string()),
  kind: z.enum(["step", "plan"]),
  stepNumber: z.number().int(),
  /** What the model said before acting (or its plan), at most CHAT_THOUGHT_CHARS characters. */
  thought: z.string(),
  /** Tools and managed agents called, in order ("python" for a code action). */
  tools: z.array(z.string()),
  /** The step failed and the agent went on (the model was told why). */
  failed: z.boolean(),
  durationMs: z.number().optional(),
});
export type ChatStep = z.infer<typeof chatStepSchema>;

/** The states a chat turn ends in (a run's terminal statuses). */
export const chatEndStatuses = ["succeeded", "failed", "cancelled", "timed_out"] as const;
export type ChatEndStatus = (typeof chatEndStatuses)[number];

export const chatEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("step"), seq: z.number().int(), step: chatStepSchema }),
  z.object({ type: z.literal("answer"), seq: z.number().int(), output: z.unknown() }),
  z.object({
    type: z.literal("end"),
    status: z.enum(chatEndStatuses),
    /** The answer as stored (null when the run did not succeed). */
    output: z.unknown(),
    /** Why the run did not succeed, for the team's own playground only (never on the public page). */
    message: z.string().optional(),
  }),
]);
export type ChatEvent = z.infer<typeof chatEventSchema>;

function shorten(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > CHAT_THOUGHT_CHARS ? `${trimmed.slice(0, CHAT_THOUGHT_CHARS - 1)}…` : trimmed;
}

/** The model's words before its code or tool calls (a code agent's "Thought:"). */
function thoughtOf(modelOutput: string): string {
  const cut = modelOutput.search(/<code>|```/);
  return (cut === -1 ? modelOutput : modelOutput.slice(0, cut)).replace(/^Thought:\s*/i, "");
}

/** The chat's view of one run event: a step summary, the root's final answer, or nothing. */
export function chatEventOf(event: RunEvent): ChatEvent | null {
  switch (event.type) {
    case "step_finished": {
      const { step } = event;
      const tools = [
        ...(step.codeAction !== undefined ? ["python"] : []),
        // A code action is recorded as a python_interpreter call too: shown once, as "python".
        ...(step.toolCalls ?? [])
          .map((call) => call.name)
          .filter((name) => step.codeAction === undefined || name !== "python_interpreter"),
      ];
      return {
        type: "step",
        seq: event.seq,
        step: {
          agentPath: event.agentPath,
          kind: "step",
          stepNumber: step.stepNumber,
          thought: shorten(thoughtOf(step.modelOutput ?? "")),
          tools,
          failed: step.error !== undefined,
          ...(step.timing.durationMs !== undefined ? { durationMs: step.timing.durationMs } : {}),
        },
      };
    }
    case "plan":
      return {
        type: "step",
        seq: event.seq,
        step: {
          agentPath: event.agentPath,
          kind: "plan",
          stepNumber: event.step.stepNumber,
          thought: shorten(event.step.plan),
          tools: [],
          failed: false,
          ...(event.step.timing.durationMs !== undefined ? { durationMs: event.step.timing.durationMs } : {}),
        },
      };
    case "final_answer":
      return event.agentPath.length === 1 ? { type: "answer", seq: event.seq, output: event.output } : null;
    default:
      return null;
  }
}

/** Whether a run status ends a chat turn. */
export function isChatEndStatus(status: string | undefined): status is ChatEndStatus {
  return (chatEndStatuses as readonly string[]).includes(status ?? "");
}
