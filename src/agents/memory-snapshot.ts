import { z } from "zod";
import { AgentMemory, type MemoryStep, memoryStepSchema } from "./memory";

/**
 * A serialisable snapshot of an agent's memory: what a finished run leaves for the next turn of a
 * conversation (smolagents' `agent.run(task, reset=False)` across processes). Plain JSON, no system
 * prompt (the agent renders its own when it runs again, so an edited agent uses its new prompt), and
 * no recorded model inputs (they repeat the memory and would make the snapshot quadratic in size).
 * Browser-safe: no Node APIs.
 */
export const MEMORY_SNAPSHOT_VERSION = 1;

export const memorySnapshotSchema = z.object({
  version: z.literal(MEMORY_SNAPSHOT_VERSION),
  /** The agent whose memory this is (the root agent of a run). */
  agent: z.string(),
  steps: z.array(memoryStepSchema),
});
export type MemorySnapshot = z.infer<typeof memorySnapshotSchema>;

/** One earlier message of a conversation: the user's tasks and the agent's answers. */
export interface ConversationTurn {
  role: "user" | "assistant";
  content: string;
  images?: string[];
}

function withoutModelInputs(step: MemoryStep): MemoryStep {
  if ((step.type === "action" || step.type === "planning") && step.modelInputMessages) {
    const { modelInputMessages: _dropped, ...rest } = step;
    return rest;
  }
  return step;
}

/** The memory as a JSON value (a deep copy through JSON: `undefined` fields are dropped). */
export function snapshotMemory(memory: AgentMemory, agent: string): MemorySnapshot {
  const snapshot: MemorySnapshot = {
    version: MEMORY_SNAPSHOT_VERSION,
    agent,
    steps: memory.steps.map(withoutModelInputs),
  };
  return JSON.parse(JSON.stringify(snapshot)) as MemorySnapshot;
}

/**
 * Parse a stored snapshot; a value that is not one (another version, a damaged row) is refused with
 * the first problem's path and message.
 */
export function parseMemorySnapshot(
  value: unknown,
): { ok: true; snapshot: MemorySnapshot } | { ok: false; message: string } {
  const parsed = memorySnapshotSchema.safeParse(value);
  if (parsed.success) return { ok: true, snapshot: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, message: `${issue.path.join(".") || "(snapshot)"}: ${issue.message}` };
}

/** A memory holding the snapshot's steps, for `agent.memory` before `run(task, { reset: false })`. */
export function restoreMemory(snapshot: MemorySnapshot): AgentMemory {
  const memory = new AgentMemory("");
  for (const step of snapshot.steps) memory.steps.push(structuredClone(step));
  return memory;
}

/**
 * The memory an agent would have after the given conversation: each user message is a task step
 * (with its images), each assistant message the action step that answered it (its text as the model's
 * output) followed by the final answer step, as a run that answered in one step leaves them.
 */
export function memoryFromConversation(conversation: readonly ConversationTurn[]): AgentMemory {
  const memory = new AgentMemory("");
  for (const message of conversation) {
    if (message.role === "user") {
      memory.steps.push({
        type: "task",
        task: message.content,
        ...(message.images?.length ? { images: [...message.images] } : {}),
      });
    } else {
      memory.steps.push(
        {
          type: "action",
          stepNumber: 1,
          timing: { startTime: 0, endTime: 0, durationMs: 0 },
          modelOutput: message.content,
          actionOutput: message.content,
          isFinalAnswer: true,
        },
        { type: "final_answer", output: message.content },
      );
    }
  }
  return memory;
}

/** The size of a snapshot as stored (UTF-8 bytes of its JSON), without a Node Buffer. */
export function snapshotBytes(snapshot: MemorySnapshot): number {
  return new TextEncoder().encode(JSON.stringify(snapshot)).byteLength;
}
