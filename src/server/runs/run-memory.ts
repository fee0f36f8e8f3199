import "server-only";
import {
  type AgentMemory,
  type MemorySnapshot,
  memoryFromConversation,
  parseMemorySnapshot,
  restoreMemory,
  snapshotBytes,
  stringify,
} from "~/agents";
import type { PrismaClient } from "~/server/db";
import type { Logger } from "~/server/logger";
import { storedRunInputSchema } from "~/server/runs/run-input";
import type { SecretRedactor } from "~/server/secrets/redactor";
import type { ClaimedRun } from "./run-store";

/** A stored memory snapshot larger than this is not kept (the run's log says so). */
export const MAX_MEMORY_SNAPSHOT_BYTES = 2 * 1024 * 1024;

/** What the worker hands the engine for one run besides its task. */
export interface RunStart {
  images?: string[];
  additionalArgs?: Record<string, unknown>;
  /** The memory to continue (`run(task, { reset: false })`); absent: a fresh memory. */
  memory?: AgentMemory;
}

/** A refusal of the run's own input, in words for its owner (the run fails with it). */
export class RunInputError extends Error {
  readonly kind = "user";
  constructor(message: string) {
    super(message);
    this.name = "RunInputError";
  }
}

/**
 * What a claimed run starts from: its stored input (`Run.input`: images, extra values with any audio
 * as the value `audio`), and its memory — the previous turn's snapshot when it continues one (a run of
 * the same team only), else the conversation the caller sent, else nothing. A previous turn without a
 * usable snapshot (it was too large, or the run ended outside the engine) continues from its task and
 * answer.
 */
export async function runStart(db: PrismaClient, run: ClaimedRun, log: Logger): Promise<RunStart> {
  const input = storedRunInputSchema.parse(run.input);
  const start: RunStart = {};
  if (input?.images?.length) start.images = input.images;
  const extra = { ...input?.additionalArgs, ...(input?.audio?.length ? { audio: input.audio } : {}) };
  if (Object.keys(extra).length) start.additionalArgs = extra;

  if (run.previousRunId) {
    const previous = await db.run.findFirst({
      where: { id: run.previousRunId, teamId: run.teamId },
      select: { task: true, output: true, memory: true },
    });
    if (!previous) throw new RunInputError("The previous turn of this conversation was not found.");
    const parsed = previous.memory === null ? undefined : parseMemorySnapshot(previous.memory);
    if (parsed?.ok) {
      start.memory = restoreMemory(parsed.snapshot);
    } else {
      log.warn(
        { previousRunId: run.previousRunId, problem: parsed?.ok === false ? parsed.message : "none stored" },
        "the previous turn has no usable memory; continuing from its task and answer",
      );
      start.memory = memoryFromConversation([
        { role: "user", content: previous.task },
        ...(previous.output === null
          ? []
          : [{ role: "assistant" as const, content: stringify(previous.output) }]),
      ]);
    }
  } else if (input?.conversation?.length) {
    start.memory = memoryFromConversation(input.conversation);
  }
  return start;
}

/**
 * The root agent's memory as `Run.memory` stores it: secrets scrubbed like the rest of the run, and
 * null (said in the run's log) when it is over MAX_MEMORY_SNAPSHOT_BYTES.
 */
export function memoryToStore(
  snapshot: MemorySnapshot,
  redactor: SecretRedactor,
  log: Logger,
  maxBytes = MAX_MEMORY_SNAPSHOT_BYTES,
): MemorySnapshot | null {
  const scrubbed = redactor.value(snapshot);
  const bytes = snapshotBytes(scrubbed);
  if (bytes > maxBytes) {
    log.warn(
      { bytes, maxBytes },
      "the agent's memory is too large to keep: the next turn continues from this run's task and answer only",
    );
    return null;
  }
  return scrubbed;
}
