import "server-only";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { Worker } from "node:worker_threads";

/**
 * A worker process's heartbeat: a thread beside the event loop, with its own Redis connection, that
 * renews the BullMQ locks of the runs the process carries and a key naming the process. A worker
 * whose event loop is busy (a long synchronous step, a burst of garbage collection) keeps its runs,
 * because the thread goes on beating; a worker that died (killed, out of memory, machine lost) stops
 * beating, its locks lapse after the lock duration and BullMQ's stalled-job check hands its runs on.
 * A loop that stays blocked past `maxBlockedMs` counts as hung: the thread stops renewing too.
 */
export interface WorkerHeartbeatOptions {
  redisUrl: string;
  /** The queue's Redis key prefix (BullMQ's `bull:<queue name>`). */
  queueKey: string;
  /** The BullMQ lock duration: each renewal sets a lock to expire this long after it. */
  lockDurationMs: number;
  /** How long the event loop may stay silent before the process counts as hung. */
  maxBlockedMs: number;
}

/** One BullMQ job lock the heartbeat renews while its run is carried. */
interface TrackedLock {
  jobId: string;
  token: string;
}

/** Messages from the event loop to the heartbeat thread. */
type HeartbeatMessage =
  | { type: "track"; lock: TrackedLock }
  | { type: "untrack"; jobId: string }
  | { type: "alive" }
  | { type: "stop" };

/**
 * The thread's program (CommonJS, run with `eval`, so it needs no build step or loader). It renews a
 * lock only while it still holds this worker's token — BullMQ's own `extendLock` script — so a
 * finished or taken-over job is never locked again.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Redis } = require(workerData.ioredisPath);
const { redisUrl, queueKey, lockDurationMs, maxBlockedMs, intervalMs, workerKey, workerValue } = workerData;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectionName: "troupe-heartbeat" });
redis.on("error", () => undefined);
redis.defineCommand("renewRunLock", {
  numberOfKeys: 2,
  lua: 'if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) redis.call("SREM", KEYS[2], ARGV[3]) return 1 end return 0',
});
const locks = new Map();
let aliveAt = Date.now();
let beating = false;
async function beat() {
  if (beating || Date.now() - aliveAt > maxBlockedMs) return;
  beating = true;
  try {
    const batch = redis.pipeline();
    batch.set(workerKey, JSON.stringify({ ...workerValue, runs: locks.size, at: Date.now() }), "PX", lockDurationMs);
    for (const { jobId, token } of locks.values())
      batch.renewRunLock(queueKey + ":" + jobId + ":lock", queueKey + ":stalled", token, lockDurationMs, jobId);
    await batch.exec();
  } catch {
    // Redis unreachable: the next beat tries again; locks lapse only if it stays away a lock duration.
  } finally {
    beating = false;
  }
}
const timer = setInterval(beat, intervalMs);
parentPort.on("message", async (message) => {
  if (message.type === "track") locks.set(message.lock.jobId, message.lock);
  else if (message.type === "untrack") locks.delete(message.jobId);
  else if (message.type === "alive") aliveAt = Date.now();
  else if (message.type === "stop") {
    clearInterval(timer);
    locks.clear();
    try {
      await redis.del(workerKey);
    } catch {}
    redis.disconnect();
    parentPort.close();
  }
});
beat();
`;

/** The Redis key prefix under which live workers of a queue announce themselves. */
export const workerKeyPrefix = (queueKey: string) => `${queueKey}:troupe-worker:`;

export class WorkerHeartbeat {
  /** This process's name in Redis: host, pid and a random part. */
  readonly workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  private readonly thread: Worker;
  private readonly aliveTimer: NodeJS.Timeout;
  private stopped = false;

  constructor(options: WorkerHeartbeatOptions) {
    const intervalMs = Math.max(100, Math.floor(options.lockDurationMs / 4));
    this.thread = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        ...options,
        intervalMs,
        ioredisPath: createRequire(import.meta.url).resolve("ioredis"),
        workerKey: workerKeyPrefix(options.queueKey) + this.workerId,
        workerValue: { pid: process.pid, host: hostname() },
      },
    });
    this.thread.unref();
    this.thread.on("error", () => undefined);
    // The event loop's own sign of life: while these arrive, the thread keeps the locks.
    this.aliveTimer = setInterval(() => this.post({ type: "alive" }), intervalMs);
    this.aliveTimer.unref();
  }

  /** Keep a job's lock while its run is carried here. */
  track(jobId: string, token: string): void {
    this.post({ type: "track", lock: { jobId, token } });
  }

  untrack(jobId: string): void {
    this.post({ type: "untrack", jobId });
  }

  /** Stop beating and remove this worker's key; the locks of jobs still tracked lapse on their own. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.aliveTimer);
    const exited = new Promise<void>((resolve) => this.thread.once("exit", () => resolve()));
    this.post({ type: "stop" });
    const timeout = setTimeout(() => void this.thread.terminate(), 2_000);
    await exited;
    clearTimeout(timeout);
  }

  private post(message: HeartbeatMessage): void {
    if (!this.stopped || message.type === "stop") this.thread.postMessage(message);
  }
}
