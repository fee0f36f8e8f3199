import { z } from "zod";
import {
  actionStepSchema,
  agentErrorJsonSchema,
  memoryStepSchema,
  planningStepSchema,
  timingSchema,
} from "./memory";
import { tokenUsageSchema, toolCallSchema } from "./models/model";

/**
 * Run events: one discriminated union, persisted, pushed over Socket.IO, streamed
 * over SSE and returned by the API. Every event carries the run id, the path of agent names from
 * the root (managed agents), a sequence number strictly increasing per root run, and a timestamp.
 * Memory steps are embedded as they are, not copied into another shape. Plain JSON throughout.
 */

const base = {
  runId: z.string(),
  agentPath: z.array(z.string()),
  seq: z.number().int().nonnegative(),
  /** Epoch milliseconds. */
  ts: z.number(),
  tokenUsage: tokenUsageSchema.optional(),
};

/**
 * How an agent's run ended. `max_steps` is smolagents' `max_steps_error`: the step limit was reached
 * without a final answer, and the last action step (number maxSteps + 1) holds the best answer the
 * model gave from memory, with the `AgentMaxStepsError`. `error` and `cancelled` have no smolagents
 * counterpart (it raises instead).
 */
export const runStateSchema = z.enum(["success", "max_steps", "error", "cancelled"]);
export type RunState = z.infer<typeof runStateSchema>;

export const runStartedEventSchema = z.object({
  type: z.literal("run_started"),
  ...base,
  task: z.string(),
  agentType: z.enum(["code", "toolCalling"]),
  modelId: z.string(),
  maxSteps: z.number().int(),
});

export const stepStartedEventSchema = z.object({
  type: z.literal("step_started"),
  ...base,
  stepNumber: z.number().int(),
});

/** A piece of model text while it streams (only with `streamOutputs`). */
export const modelDeltaEventSchema = z.object({
  type: z.literal("model_delta"),
  ...base,
  stepNumber: z.number().int(),
  text: z.string(),
});

export const modelOutputEventSchema = z.object({
  type: z.literal("model_output"),
  ...base,
  stepNumber: z.number().int(),
  content: z.string(),
  toolCalls: z.array(toolCallSchema),
  durationMs: z.number(),
});

/** The provider failed transiently and the call is retried after `delayMs`. */
export const modelRetryEventSchema = z.object({
  type: z.literal("model_retry"),
  ...base,
  attempt: z.number().int(),
  delayMs: z.number(),
  status: z.number().int().optional(),
  message: z.string(),
});

/** A tool call: native ones of a tool-calling agent, or a host tool (or managed agent) called from a code action (ids `py_<step>_<n>`). */
export const toolCallEventSchema = z.object({
  type: z.literal("tool_call"),
  ...base,
  stepNumber: z.number().int(),
  toolCall: toolCallSchema,
});

export const codeActionEventSchema = z.object({
  type: z.literal("code_action"),
  ...base,
  stepNumber: z.number().int(),
  code: z.string(),
});

export const observationEventSchema = z.object({
  type: z.literal("observation"),
  ...base,
  stepNumber: z.number().int(),
  /** Set for a tool-calling agent's per-call results. */
  toolCallId: z.string().optional(),
  observation: z.string(),
  images: z.array(z.string()).optional(),
});

export const errorEventSchema = z.object({
  type: z.literal("error"),
  ...base,
  stepNumber: z.number().int().optional(),
  error: agentErrorJsonSchema,
});

export const planEventSchema = z.object({
  type: z.literal("plan"),
  ...base,
  step: planningStepSchema,
});

/** A finished action step, embedded whole (what the run store persists as the step record). */
export const stepFinishedEventSchema = z.object({
  type: z.literal("step_finished"),
  ...base,
  step: actionStepSchema,
});

export const finalAnswerEventSchema = z.object({
  type: z.literal("final_answer"),
  ...base,
  output: z.unknown(),
});

/** The `user_input` tool is waiting: reply through the run's `provideUserInput(requestId, text)`. */
export const userInputRequestEventSchema = z.object({
  type: z.literal("user_input_request"),
  ...base,
  requestId: z.string(),
  question: z.string(),
});

export const runFinishedEventSchema = z.object({
  type: z.literal("run_finished"),
  ...base,
  state: runStateSchema,
  output: z.unknown(),
  stepCount: z.number().int(),
  timing: timingSchema,
  /** Keyed by agent path joined with "/"; present on the root run's event. */
  tokenUsageByAgent: z.record(z.string(), tokenUsageSchema).optional(),
  errors: z.array(agentErrorJsonSchema),
});

export const runEventSchema = z.discriminatedUnion("type", [
  runStartedEventSchema,
  stepStartedEventSchema,
  modelDeltaEventSchema,
  modelOutputEventSchema,
  modelRetryEventSchema,
  toolCallEventSchema,
  codeActionEventSchema,
  observationEventSchema,
  errorEventSchema,
  planEventSchema,
  stepFinishedEventSchema,
  finalAnswerEventSchema,
  userInputRequestEventSchema,
  runFinishedEventSchema,
]);
export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent["type"];

/** An event before the run context stamps it with runId, agentPath, seq and ts. */
export type RunEventDraft = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, "runId" | "agentPath" | "seq" | "ts">
    : never
  : never;

/** The full result of a run (`returnFullResult`). */
export const runResultSchema = z.object({
  runId: z.string(),
  output: z.unknown(),
  state: runStateSchema,
  steps: z.array(memoryStepSchema),
  tokenUsage: tokenUsageSchema,
  /** Per agent path ("manager", "manager/researcher", ...). */
  tokenUsageByAgent: z.record(z.string(), tokenUsageSchema),
  timing: timingSchema,
  errors: z.array(agentErrorJsonSchema),
});
export type RunResult = z.infer<typeof runResultSchema>;
