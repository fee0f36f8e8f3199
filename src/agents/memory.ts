import { z } from "zod";
import {
  type ChatMessage,
  type ContentPart,
  chatMessageSchema,
  tokenUsageSchema,
  toolCallSchema,
} from "./models/model";

/**
 * Agent memory: plain-JSON steps (smolagents' TaskStep, PlanningStep, ActionStep, FinalAnswerStep)
 * and one render function per kind turning a step into model messages. Run events embed these
 * objects. Rendered messages are cached per step object, so building the next prompt costs one
 * array push per past step: per-step engine overhead stays flat as memory grows.
 */

export const agentErrorJsonSchema = z.object({
  type: z.enum([
    "AgentError",
    "AgentParsingError",
    "AgentExecutionError",
    "AgentToolCallError",
    "AgentToolExecutionError",
    "AgentMaxStepsError",
    "AgentGenerationError",
    "AgentCancelledError",
    "AgentConfigError",
  ]),
  kind: z.enum(["user", "operational", "unexpected"]),
  message: z.string(),
});

export const timingSchema = z.object({
  /** Epoch milliseconds. */
  startTime: z.number(),
  endTime: z.number().optional(),
  durationMs: z.number().optional(),
});
export type Timing = z.infer<typeof timingSchema>;

export const taskStepSchema = z.object({
  type: z.literal("task"),
  task: z.string(),
  /** Image data: or http(s) URLs given with the task. */
  images: z.array(z.string()).optional(),
});
export type TaskStep = z.infer<typeof taskStepSchema>;

export const planningStepSchema = z.object({
  type: z.literal("planning"),
  stepNumber: z.number().int(),
  plan: z.string(),
  timing: timingSchema,
  tokenUsage: tokenUsageSchema,
  /** Model input, kept only when the agent has `recordModelInputs`. */
  modelInputMessages: z.array(chatMessageSchema).optional(),
});
export type PlanningStep = z.infer<typeof planningStepSchema>;

export const actionStepSchema = z.object({
  type: z.literal("action"),
  stepNumber: z.number().int(),
  timing: timingSchema,
  tokenUsage: tokenUsageSchema.optional(),
  /** Raw model text (thought + code for code agents). */
  modelOutput: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
  /** The Python code a code agent ran. */
  codeAction: z.string().optional(),
  observations: z.string().optional(),
  observationImages: z.array(z.string()).optional(),
  actionOutput: z.unknown().optional(),
  isFinalAnswer: z.boolean(),
  error: agentErrorJsonSchema.optional(),
  modelInputMessages: z.array(chatMessageSchema).optional(),
});
export type ActionStep = z.infer<typeof actionStepSchema>;

export const finalAnswerStepSchema = z.object({
  type: z.literal("final_answer"),
  output: z.unknown(),
});
export type FinalAnswerStep = z.infer<typeof finalAnswerStepSchema>;

export const memoryStepSchema = z.discriminatedUnion("type", [
  taskStepSchema,
  planningStepSchema,
  actionStepSchema,
  finalAnswerStepSchema,
]);
export type MemoryStep = z.infer<typeof memoryStepSchema>;

const renderCache = new WeakMap<MemoryStep, ChatMessage[]>();

/** Stringify a value for an observation (strings verbatim, the rest as JSON). */
export function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "None";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function renderTask(step: TaskStep): ChatMessage[] {
  const text = `New task:\n${step.task}`;
  if (!step.images?.length) return [{ role: "user", content: text }];
  const parts: ContentPart[] = [
    { type: "text", text },
    ...step.images.map((image) => ({ type: "image" as const, image })),
  ];
  return [{ role: "user", content: parts }];
}

function renderPlanning(step: PlanningStep): ChatMessage[] {
  return [
    { role: "assistant", content: step.plan.trim() },
    { role: "user", content: "Now proceed and carry out this plan." },
  ];
}

function renderAction(step: ActionStep): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (step.modelOutput !== undefined || step.toolCalls?.length) {
    let text = (step.modelOutput ?? "").trim();
    if (step.toolCalls?.length && step.codeAction === undefined) {
      const calls = step.toolCalls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.arguments,
      }));
      text = `${text ? `${text}\n` : ""}Calling tools:\n${JSON.stringify(calls)}`;
    }
    messages.push({ role: "assistant", content: text });
  }
  if (step.observations !== undefined || step.observationImages?.length) {
    const text = `Observation:\n${step.observations ?? ""}`;
    messages.push(
      step.observationImages?.length
        ? {
            role: "user",
            content: [
              { type: "text", text },
              ...step.observationImages.map((image) => ({ type: "image" as const, image })),
            ],
          }
        : { role: "user", content: text },
    );
  }
  if (step.error) {
    messages.push({
      role: "user",
      content: `Error:\n${step.error.message}\nNow let's retry: take care not to repeat previous errors! If you have retried several times, try a completely different approach.`,
    });
  }
  return messages;
}

/** Messages for one step, cached per step object (steps are not mutated once finished). */
export function stepToMessages(step: MemoryStep): ChatMessage[] {
  let cached = renderCache.get(step);
  if (!cached) {
    switch (step.type) {
      case "task":
        cached = renderTask(step);
        break;
      case "planning":
        cached = renderPlanning(step);
        break;
      case "action":
        cached = renderAction(step);
        break;
      case "final_answer":
        cached = [];
        break;
    }
    renderCache.set(step, cached);
  }
  return cached;
}

/** A system prompt plus steps: what a model sees, rendered once per step. */
export class AgentMemory {
  systemPrompt: string;
  readonly steps: MemoryStep[] = [];
  private systemMessage: ChatMessage;

  constructor(systemPrompt: string) {
    this.systemPrompt = systemPrompt;
    this.systemMessage = { role: "system", content: systemPrompt };
  }

  setSystemPrompt(systemPrompt: string): void {
    if (systemPrompt === this.systemPrompt) return;
    this.systemPrompt = systemPrompt;
    this.systemMessage = { role: "system", content: systemPrompt };
  }

  reset(): void {
    this.steps.length = 0;
  }

  /** The prompt for the next model call. */
  toMessages(): ChatMessage[] {
    const messages: ChatMessage[] = [this.systemMessage];
    for (const step of this.steps) for (const message of stepToMessages(step)) messages.push(message);
    return messages;
  }

  /** Memory as plain text, step by step (smolagents' `replay`). */
  replay(): string {
    return this.steps
      .map((step) => {
        switch (step.type) {
          case "task":
            return `Task: ${step.task}`;
          case "planning":
            return `Plan (step ${step.stepNumber}):\n${step.plan}`;
          case "action":
            return [
              `Step ${step.stepNumber}`,
              step.modelOutput ? `Model: ${step.modelOutput}` : "",
              step.codeAction ? `Code:\n${step.codeAction}` : "",
              step.toolCalls?.length && !step.codeAction
                ? `Tool calls: ${JSON.stringify(step.toolCalls)}`
                : "",
              step.observations ? `Observation: ${step.observations}` : "",
              step.error ? `Error: ${step.error.message}` : "",
            ]
              .filter(Boolean)
              .join("\n");
          case "final_answer":
            return `Final answer: ${stringify(step.output)}`;
        }
        return "";
      })
      .join("\n\n");
  }
}
