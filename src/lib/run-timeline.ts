import type { RunEvent } from "~/agents/events";

/**
 * The run page's timeline as plain data: run events folded into agent runs (nested by agent path,
 * so a managed agent's run sits inside the manager step that called it), their steps, plans, final
 * answers and questions. Pure: the page rebuilds it from the event list it holds.
 */

type EventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;
type ToolCall = EventOf<"tool_call">["toolCall"];
type AgentErrorJson = EventOf<"error">["error"];
type TokenUsage = NonNullable<RunEvent["tokenUsage"]>;

export interface TimelineObservation {
  text: string;
  toolCallId?: string;
}

export interface TimelineStep {
  kind: "step";
  key: string;
  stepNumber: number;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  /** Model text as it streams (`model_delta`), replaced by `modelOutput` once the call returns. */
  streamText: string;
  modelOutput?: string;
  modelDurationMs?: number;
  tokens?: TokenUsage;
  toolCalls: ToolCall[];
  codeActions: string[];
  observations: TimelineObservation[];
  errors: AgentErrorJson[];
  retries: { attempt: number; delayMs: number; message: string }[];
  /** Managed agents this step called, in call order. */
  children: TimelineAgentRun[];
  isFinalAnswer: boolean;
}

export type TimelineEntry =
  | TimelineStep
  | { kind: "plan"; key: string; plan: string; ts: number; tokens?: TokenUsage }
  | { kind: "final_answer"; key: string; output: unknown; ts: number }
  | { kind: "question"; key: string; requestId: string; question: string; answered: boolean; ts: number }
  | { kind: "error"; key: string; error: AgentErrorJson; ts: number }
  | { kind: "retry"; key: string; attempt: number; delayMs: number; message: string; ts: number };

export interface TimelineAgentRun {
  key: string;
  path: string[];
  name: string;
  agentType: "code" | "toolCalling";
  modelId: string;
  task: string;
  startedAt: number;
  entries: TimelineEntry[];
  /** Model text streaming outside an action step (a planning call). */
  pendingText: string;
  finished?: { state: EventOf<"run_finished">["state"]; durationMs?: number; stepCount: number; ts: number };
}

export interface Timeline {
  root?: TimelineAgentRun;
  /** The open `user_input` question, if the run is waiting for one. */
  openQuestion?: { requestId: string; question: string; agentPath: string[] };
  /** Counts by event type (what tests and summaries look at). */
  counts: Partial<Record<RunEvent["type"], number>>;
  lastSeq: number;
}

/** Fold events (in seq order, no duplicates) into the timeline. */
export function buildTimeline(events: readonly RunEvent[]): Timeline {
  const timeline: Timeline = { counts: {}, lastSeq: -1 };
  const current = new Map<string, TimelineAgentRun>();
  const open = new Map<string, TimelineStep>();
  const questions = new Map<string, Extract<TimelineEntry, { kind: "question" }>>();

  for (const event of events) {
    timeline.counts[event.type] = (timeline.counts[event.type] ?? 0) + 1;
    timeline.lastSeq = Math.max(timeline.lastSeq, event.seq);
    const pathKey = event.agentPath.join("/");
    const key = `${event.seq}`;

    if (event.type === "run_started") {
      const run: TimelineAgentRun = {
        key,
        path: event.agentPath,
        name: event.agentPath.at(-1) ?? "agent",
        agentType: event.agentType,
        modelId: event.modelId,
        task: event.task,
        startedAt: event.ts,
        entries: [],
        pendingText: "",
      };
      current.set(pathKey, run);
      open.delete(pathKey);
      const parentKey = event.agentPath.slice(0, -1).join("/");
      const parentStep = open.get(parentKey);
      if (event.agentPath.length <= 1 || !timeline.root) timeline.root ??= run;
      else if (parentStep) parentStep.children.push(run);
      else current.get(parentKey)?.entries.push(asStepless(run));
      continue;
    }

    const run = current.get(pathKey);
    if (!run) continue;
    const pending = questions.get(pathKey);
    if (pending && event.type !== "user_input_request") {
      pending.answered = true;
      questions.delete(pathKey);
      if (timeline.openQuestion?.requestId === pending.requestId) timeline.openQuestion = undefined;
    }
    const step = open.get(pathKey);
    const inStep = (stepNumber: number | undefined) =>
      step && (stepNumber === undefined || step.stepNumber === stepNumber) ? step : undefined;

    switch (event.type) {
      case "step_started": {
        const created = emptyStep(key, event.stepNumber, event.ts);
        run.entries.push(created);
        open.set(pathKey, created);
        break;
      }
      case "model_delta": {
        const target = inStep(event.stepNumber);
        if (target) target.streamText += event.text;
        else run.pendingText += event.text;
        break;
      }
      case "model_output": {
        const target = inStep(event.stepNumber);
        if (target && target.modelOutput === undefined) {
          target.modelOutput = event.content;
          target.modelDurationMs = event.durationMs;
          target.streamText = "";
          if (event.tokenUsage) target.tokens = event.tokenUsage;
        }
        break;
      }
      case "model_retry": {
        const retry = { attempt: event.attempt, delayMs: event.delayMs, message: event.message };
        if (step) step.retries.push(retry);
        else run.entries.push({ kind: "retry", key, ts: event.ts, ...retry });
        break;
      }
      case "tool_call":
        inStep(event.stepNumber)?.toolCalls.push(event.toolCall);
        break;
      case "code_action":
        inStep(event.stepNumber)?.codeActions.push(event.code);
        break;
      case "observation":
        inStep(event.stepNumber)?.observations.push({
          text: event.observation,
          ...(event.toolCallId ? { toolCallId: event.toolCallId } : {}),
        });
        break;
      case "error": {
        const target = inStep(event.stepNumber);
        if (target) target.errors.push(event.error);
        else run.entries.push({ kind: "error", key, error: event.error, ts: event.ts });
        break;
      }
      case "plan":
        run.pendingText = "";
        run.entries.push({
          kind: "plan",
          key,
          plan: event.step.plan,
          ts: event.ts,
          ...(event.step.tokenUsage ? { tokens: event.step.tokenUsage } : {}),
        });
        break;
      case "step_finished": {
        const target = inStep(event.step.stepNumber);
        if (target) {
          target.finishedAt = event.step.timing.endTime ?? event.ts;
          target.durationMs = event.step.timing.durationMs;
          target.isFinalAnswer = event.step.isFinalAnswer;
          if (event.step.tokenUsage) target.tokens = event.step.tokenUsage;
          if (target.modelOutput === undefined && event.step.modelOutput !== undefined) {
            target.modelOutput = event.step.modelOutput;
            target.streamText = "";
          }
          open.delete(pathKey);
        }
        break;
      }
      case "final_answer":
        run.pendingText = "";
        run.entries.push({ kind: "final_answer", key, output: event.output, ts: event.ts });
        break;
      case "user_input_request": {
        const question = {
          kind: "question" as const,
          key,
          requestId: event.requestId,
          question: event.question,
          answered: false,
          ts: event.ts,
        };
        run.entries.push(question);
        questions.set(pathKey, question);
        timeline.openQuestion = {
          requestId: event.requestId,
          question: event.question,
          agentPath: event.agentPath,
        };
        break;
      }
      case "run_finished":
        open.delete(pathKey);
        run.pendingText = "";
        run.finished = {
          state: event.state,
          durationMs: event.timing.durationMs,
          stepCount: event.stepCount,
          ts: event.ts,
        };
        break;
    }
  }
  return timeline;
}

/** A step with nothing in it yet. */
function emptyStep(key: string, stepNumber: number, startedAt: number): TimelineStep {
  return {
    kind: "step",
    key,
    stepNumber,
    startedAt,
    streamText: "",
    toolCalls: [],
    codeActions: [],
    observations: [],
    errors: [],
    retries: [],
    children: [],
    isFinalAnswer: false,
  };
}

/** A managed run that started outside any open step of its parent: shown as a one-child step. */
function asStepless(run: TimelineAgentRun): TimelineStep {
  const step = emptyStep(`${run.key}-call`, 0, run.startedAt);
  step.children.push(run);
  return step;
}

/**
 * The last seq a client holds without a hole before it, in an ordered event list (-1 without seq 0):
 * what it subscribes again from. A batch lost in transit (a cut connection, a restarted Redis) leaves a
 * hole; the next events show it, and re-reading from here fills it.
 */
export function contiguousSeq(events: readonly RunEvent[]): number {
  // Seqs are unique and ordered from 0, so events[i].seq - i never decreases: search for the last i
  // where it is still 0.
  let low = 0;
  let high = events.length - 1;
  let last = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (events[middle]!.seq === middle) {
      last = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return last;
}

/** Insert a batch into an ordered event list by seq, dropping seqs already held; `held` itself when nothing is new. */
export function mergeEvents(held: readonly RunEvent[], batch: readonly RunEvent[]): readonly RunEvent[] {
  const lastSeq = held.at(-1)?.seq ?? -1;
  const fresh = batch.filter((event) => event.seq > lastSeq);
  if (fresh.length === batch.length && isSorted(fresh)) return fresh.length ? [...held, ...fresh] : held;
  const bySeq = new Map<number, RunEvent>();
  for (const event of held) bySeq.set(event.seq, event);
  let added = 0;
  for (const event of batch) {
    if (bySeq.has(event.seq)) continue;
    bySeq.set(event.seq, event);
    added++;
  }
  return added === 0 ? held : [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function isSorted(events: readonly RunEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i - 1]!.seq >= events[i]!.seq) return false;
  return true;
}
