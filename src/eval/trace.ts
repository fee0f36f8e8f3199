import type { RunEvent } from "~/agents/events";
import type { TraceStep } from "./test-set";

/**
 * A run's steps as replay compares them, and the first place where a replayed run leaves its
 * recording. Pure: it reads run events (src/agents/events.ts) and nothing else.
 */

/**
 * The steps of a run from its events, in the order they began: for each agent (path joined with "/")
 * and step number, the tool calls (names and arguments; ids differ between runs and are left out),
 * the code, the observation and the error message. Planning steps and the final-answer step's
 * bookkeeping are not steps here; a step with none of those is left out.
 */
export function traceFromEvents(events: readonly RunEvent[]): TraceStep[] {
  const steps = new Map<string, TraceStep>();
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  const stepOf = (event: RunEvent, stepNumber: number): TraceStep => {
    const agent = event.agentPath.join("/");
    const key = `${agent}\u0000${stepNumber}`;
    let step = steps.get(key);
    if (!step) {
      step = { agent, step: stepNumber, toolCalls: [] };
      steps.set(key, step);
    }
    return step;
  };
  for (const event of ordered) {
    switch (event.type) {
      case "tool_call":
        stepOf(event, event.stepNumber).toolCalls.push({
          name: event.toolCall.name,
          arguments: event.toolCall.arguments,
        });
        break;
      case "code_action":
        stepOf(event, event.stepNumber).code = event.code;
        break;
      case "observation": {
        const step = stepOf(event, event.stepNumber);
        step.observation =
          step.observation === undefined ? event.observation : `${step.observation}\n${event.observation}`;
        break;
      }
      case "error":
        if (event.stepNumber !== undefined) stepOf(event, event.stepNumber).error = event.error.message;
        break;
      default:
        break;
    }
  }
  return [...steps.values()];
}

/** What differs at the first diverging step. */
export type DivergenceField =
  | "agent"
  | "tool calls"
  | "code"
  | "observation"
  | "error"
  | "missing step"
  | "extra step";

/** Where a replayed run first left its recording, with both sides in words. */
export interface Divergence {
  /** Position of the step in the run's step list (0-based). */
  index: number;
  /** The agent and step number, from the recording (or the replay for an extra step). */
  agent: string;
  step: number;
  field: DivergenceField;
  recorded: string;
  replayed: string;
}

const toolCallText = (step: TraceStep) =>
  step.toolCalls.map((call) => `${call.name}(${JSON.stringify(call.arguments ?? null)})`).join("; ") ||
  "(no tool call)";
const optional = (value: string | undefined, none: string) => (value === undefined ? none : value);

/** Sorted-key JSON, so arguments compare equal whatever order their keys came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The first field in which two steps differ, in the order a step happens: agent, calls, code, observation, error. */
function stepDifference(
  recorded: TraceStep,
  replayed: TraceStep,
): Omit<Divergence, "index" | "agent" | "step"> | undefined {
  if (recorded.agent !== replayed.agent || recorded.step !== replayed.step) {
    return {
      field: "agent",
      recorded: `${recorded.agent} step ${recorded.step}`,
      replayed: `${replayed.agent} step ${replayed.step}`,
    };
  }
  const calls = (step: TraceStep) => canonical(step.toolCalls.map((call) => [call.name, call.arguments]));
  if (calls(recorded) !== calls(replayed)) {
    return { field: "tool calls", recorded: toolCallText(recorded), replayed: toolCallText(replayed) };
  }
  if ((recorded.code ?? "") !== (replayed.code ?? "")) {
    return {
      field: "code",
      recorded: optional(recorded.code, "(no code)"),
      replayed: optional(replayed.code, "(no code)"),
    };
  }
  if ((recorded.observation ?? "") !== (replayed.observation ?? "")) {
    return {
      field: "observation",
      recorded: optional(recorded.observation, "(no observation)"),
      replayed: optional(replayed.observation, "(no observation)"),
    };
  }
  if ((recorded.error ?? "") !== (replayed.error ?? "")) {
    return {
      field: "error",
      recorded: optional(recorded.error, "(no error)"),
      replayed: optional(replayed.error, "(no error)"),
    };
  }
  return undefined;
}

/** The first step where a replay differs from its recording, or undefined when every step matches. */
export function firstDivergence(
  recorded: readonly TraceStep[],
  replayed: readonly TraceStep[],
): Divergence | undefined {
  const length = Math.max(recorded.length, replayed.length);
  for (let index = 0; index < length; index++) {
    const before = recorded[index];
    const after = replayed[index];
    if (before && after) {
      const difference = stepDifference(before, after);
      if (difference) return { index, agent: before.agent, step: before.step, ...difference };
    } else if (before) {
      return {
        index,
        agent: before.agent,
        step: before.step,
        field: "missing step",
        recorded: describeStep(before),
        replayed: "(the replay ended before this step)",
      };
    } else if (after) {
      return {
        index,
        agent: after.agent,
        step: after.step,
        field: "extra step",
        recorded: "(the recording ended before this step)",
        replayed: describeStep(after),
      };
    }
  }
  return undefined;
}

/** A step in one line of words (for missing and extra steps). */
export function describeStep(step: TraceStep): string {
  const parts = [`${step.agent} step ${step.step}`];
  if (step.toolCalls.length) parts.push(`calls ${toolCallText(step)}`);
  if (step.code !== undefined) parts.push(`code ${JSON.stringify(step.code.slice(0, 200))}`);
  if (step.observation !== undefined)
    parts.push(`observation ${JSON.stringify(step.observation.slice(0, 200))}`);
  if (step.error !== undefined) parts.push(`error ${JSON.stringify(step.error.slice(0, 200))}`);
  return parts.join(", ");
}

/** A divergence as one sentence: "step 2 of manager/calculator: the observation differs: recorded … replayed …". */
export function divergenceInWords(divergence: Divergence): string {
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);
  return `step ${divergence.step} of ${divergence.agent} (step ${divergence.index + 1} of the run): ${
    divergence.field === "missing step" || divergence.field === "extra step"
      ? `${divergence.field}`
      : `the ${divergence.field} differ${divergence.field.endsWith("s") ? "" : "s"}`
  }: recorded ${JSON.stringify(cut(divergence.recorded))}, replayed ${JSON.stringify(cut(divergence.replayed))}`;
}
