import "server-only";
import type { RunJob, RunProcessor, RunQueue, RunQueueWorkerOptions } from "./run-queue";

/**
 * The embedded-mode queue: a FIFO in this process with bounded concurrency. Jobs do not survive a
 * restart; the run store's start-up sweep re-queues runs left `queued` and fails runs left `running`.
 */
export class InProcessRunQueue implements RunQueue {
  readonly kind = "in-process" as const;
  private readonly waiting: string[] = [];
  private readonly active = new Map<string, AbortController>();
  private readonly idleWaiters: Array<() => void> = [];
  private processor: RunProcessor | undefined;
  private concurrency = 1;
  private closed = false;

  async enqueue(runId: string): Promise<void> {
    if (this.closed) throw new Error("The run queue is closed");
    if (this.active.has(runId) || this.waiting.includes(runId)) return;
    this.waiting.push(runId);
    this.pump();
  }

  work(processor: RunProcessor, options: RunQueueWorkerOptions): void {
    if (this.processor) throw new Error("This queue already has a worker");
    this.processor = processor;
    this.concurrency = options.concurrency;
    this.pump();
  }

  async pendingCount(): Promise<number> {
    return this.waiting.length + this.active.size;
  }

  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    if (this.active.size === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const timer = setTimeout(() => {
      for (const controller of this.active.values()) controller.abort(new Error("Worker shutting down"));
    }, graceMs);
    await idle;
    clearTimeout(timer);
  }

  private pump(): void {
    const processor = this.processor;
    if (!processor) return;
    while (!this.closed && this.active.size < this.concurrency && this.waiting.length > 0) {
      const runId = this.waiting.shift()!;
      const controller = new AbortController();
      this.active.set(runId, controller);
      const job: RunJob = { runId, attempt: 1 };
      // A processor error is the processor's to record on the run; the queue only moves on.
      void Promise.resolve()
        .then(() => processor(job, controller.signal))
        .catch(() => undefined)
        .finally(() => {
          this.active.delete(runId);
          if (this.active.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          this.pump();
        });
    }
  }
}
