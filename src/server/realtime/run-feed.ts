import "server-only";
import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { RunEvent } from "~/agents/events";
import { isTerminal } from "~/lib/run-status";
import type { PrismaClient } from "~/server/db";
import { listEventsAfter } from "~/server/runs/run-store";

/**
 * The run feed: server-side readers of a run's events (the HTTP API's synchronous wait, its Server-Sent
 * Events, the OpenAI-compatible stream, MCP progress). The store is the source of truth: a reader
 * reads the events after its cursor from the database, and waits for a wake-up when it has read them
 * all. Publishers send the wake-up after each stored batch and status change — in the process
 * (embedded mode) and over Redis pub/sub (`RUN_FEED_CHANNEL`) from worker processes — so a reader
 * sees events milliseconds after they are stored, and a lost wake-up only costs one poll interval.
 */
export const RUN_FEED_CHANNEL = "troupe:run-feed";

interface FeedState {
  emitter: EventEmitter;
  subscriber?: Redis;
}

const key = Symbol.for("troupe.runFeed");
const globals = globalThis as Record<symbol, FeedState | undefined>;
// Shared through globalThis with the code Next bundles (route handlers run in the same process).
globals[key] ??= { emitter: new EventEmitter().setMaxListeners(0) };
const state: FeedState = globals[key];

/** Tell this process's readers that `runId` has new events or a new status. */
export function notifyRunFeed(runId: string): void {
  state.emitter.emit(runId);
}

/** The web process listens for wake-ups that worker processes publish over Redis. */
export async function connectRunFeed(redisUrl: string): Promise<() => Promise<void>> {
  if (state.subscriber) return async () => undefined;
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  subscriber.on("error", () => undefined);
  subscriber.on("message", (_channel: string, runId: string) => notifyRunFeed(runId));
  await subscriber.subscribe(RUN_FEED_CHANNEL);
  state.subscriber = subscriber;
  return async () => {
    state.subscriber = undefined;
    subscriber.disconnect();
  };
}

/**
 * Wake-ups of one run, listened for from its creation on: create it before reading the store, so a
 * wake-up sent while the store is read is not lost; then `wait` returns at once.
 */
class WakeUps {
  private woken = false;
  private resolveWait: (() => void) | undefined;
  private readonly onWake = () => {
    this.woken = true;
    this.resolveWait?.();
  };
  constructor(private readonly runId: string) {
    state.emitter.on(runId, this.onWake);
  }
  /** Resolves at a wake-up (or at once if one came since the last wait), after `timeoutMs`, or on abort. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.woken && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        function finish() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", finish);
          resolve();
        }
        this.resolveWait = finish;
        signal?.addEventListener("abort", finish, { once: true });
      });
    }
    this.resolveWait = undefined;
    this.woken = false;
  }
  dispose(): void {
    state.emitter.off(this.runId, this.onWake);
  }
}

export interface FollowRunOptions {
  /** Yield events after this sequence number (-1: from the start; `Last-Event-ID` resumes). */
  afterSeq?: number;
  signal?: AbortSignal;
  /** How long to wait for a wake-up before reading the store anyway. */
  pollMs?: number;
}

/**
 * Every stored event of a run after `afterSeq`, in order and exactly once, live until the run has ended
 * and its last event has been yielded (or `signal` aborts).
 */
export async function* followRun(
  db: PrismaClient,
  runId: string,
  options: FollowRunOptions = {},
): AsyncGenerator<RunEvent> {
  const { signal, pollMs = 1_000 } = options;
  let cursor = options.afterSeq ?? -1;
  const wakeUps = new WakeUps(runId);
  try {
    while (!signal?.aborted) {
      const page = await listEventsAfter(db, runId, cursor, 500);
      for (const event of page) {
        cursor = event.seq;
        yield event;
      }
      if (page.length === 500) continue;
      const run = await db.run.findUnique({ where: { id: runId }, select: { status: true, lastSeq: true } });
      if (!run) return;
      if (isTerminal(run.status) && cursor >= run.lastSeq) return;
      if (run.lastSeq > cursor) continue;
      await wakeUps.wait(pollMs, signal);
    }
  } finally {
    wakeUps.dispose();
  }
}

/**
 * Wait until a run has ended, at most `timeoutMs`; resolves whether it ended. What a synchronous API
 * call waits on before answering with the result, or with 202 and the run id.
 */
export async function waitForRunEnd(
  db: PrismaClient,
  runId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const wakeUps = new WakeUps(runId);
  try {
    for (;;) {
      const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
      if (!run || isTerminal(run.status)) return Boolean(run);
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return false;
      await wakeUps.wait(Math.min(left, 1_000), signal);
    }
  } finally {
    wakeUps.dispose();
  }
}
