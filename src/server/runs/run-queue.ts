/**
 * The run queue: one contract, two backends. Embedded mode uses the in-process queue;
 * with REDIS_URL, BullMQ. Both pass tests/integration/runs/run-queue-conformance.test.ts.
 * Job data is the run id only: the processor loads everything else from the database.
 */

import "server-only";
export interface RunJob {
  runId: string;
  /** 1 on the first delivery; higher when a job is delivered again after its worker was lost. */
  attempt: number;
}

/** Processes one run. Resolving completes the job; throwing fails it. The signal aborts on shutdown. */
export type RunProcessor = (job: RunJob, signal: AbortSignal) => Promise<void>;

export interface RunQueueWorkerOptions {
  /** How many runs this process carries at once. */
  concurrency: number;
}

export interface RunQueue {
  readonly kind: "in-process" | "bullmq";
  /** Queue a run; queuing the same run id twice while it is waiting or active is a no-op. */
  enqueue(runId: string): Promise<void>;
  /** Start consuming jobs in this process. Call at most once per queue instance. */
  work(processor: RunProcessor, options: RunQueueWorkerOptions): void;
  /** Number of jobs waiting or active (for dashboards and tests). */
  pendingCount(): Promise<number>;
  /** Stop taking jobs, abort active processors' signals after `graceMs`, wait for them, free connections. */
  close(graceMs?: number): Promise<void>;
}

/** BullMQ job ids may not contain ':' and may not be all digits. */
export function jobIdForRun(runId: string): string {
  return `run-${runId}`;
}
