import "server-only";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { WorkerHeartbeat } from "~/server/lifecycle/heartbeat";
import { jobIdForRun, type RunProcessor, type RunQueue, type RunQueueWorkerOptions } from "./run-queue";

export interface BullmqRunQueueOptions {
  redisUrl: string;
  /** Queue name; tests use a unique one. */
  name?: string;
  /** Lock time of an active job; a worker that stops renewing it (killed, blocked) loses the job. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker was lost. */
  stalledIntervalMs?: number;
  /** How many times a lost job is delivered again before it fails. */
  maxStalledCount?: number;
  /**
   * How long a worker's event loop may stay blocked while its heartbeat thread keeps its runs' locks
   * (src/server/lifecycle/heartbeat.ts); `false` leaves lock renewal to BullMQ's timer alone.
   */
  maxBlockedMs?: number | false;
}

interface RunJobData {
  runId: string;
}

/**
 * The production queue: BullMQ on Redis. A job is delivered again (attempt + 1) when its worker
 * is lost; the processor decides whether a re-delivered run can resume or must end failed.
 */
export class BullmqRunQueue implements RunQueue {
  readonly kind = "bullmq" as const;
  private readonly name: string;
  private readonly connection: Redis;
  private readonly queue: Queue<RunJobData>;
  private worker: Worker<RunJobData> | undefined;
  private workerConnection: Redis | undefined;
  private heartbeat: WorkerHeartbeat | undefined;

  constructor(private readonly options: BullmqRunQueueOptions) {
    this.name = options.name ?? "troupe-runs";
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue<RunJobData>(this.name, {
      connection: this.connection,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000, attempts: 1 },
    });
    this.queue.on("error", () => undefined);
  }

  async enqueue(runId: string): Promise<void> {
    await this.queue.add("run", { runId }, { jobId: jobIdForRun(runId) });
  }

  work(processor: RunProcessor, options: RunQueueWorkerOptions): void {
    if (this.worker) throw new Error("This queue already has a worker");
    this.workerConnection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    const lockDurationMs = this.options.lockDurationMs ?? 30_000;
    const maxBlockedMs = this.options.maxBlockedMs ?? 600_000;
    const heartbeat =
      maxBlockedMs === false
        ? undefined
        : new WorkerHeartbeat({
            redisUrl: this.options.redisUrl,
            queueKey: `bull:${this.name}`,
            lockDurationMs,
            maxBlockedMs,
          });
    this.heartbeat = heartbeat;
    this.worker = new Worker<RunJobData>(
      this.name,
      async (job, token, signal) => {
        const attempt = job.attemptsStarted > 0 ? job.attemptsStarted : 1;
        if (job.id && token) heartbeat?.track(job.id, token);
        try {
          await processor({ runId: job.data.runId, attempt }, signal ?? new AbortController().signal);
        } finally {
          if (job.id) heartbeat?.untrack(job.id);
        }
      },
      {
        connection: this.workerConnection,
        concurrency: options.concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        // A lost run is never replayed (the processor ends it failed), but only a delivery ends it:
        // a job that BullMQ failed for stalling too often would leave its run `running` for ever,
        // e.g. when the worker it was handed to dies too before it has settled it.
        maxStalledCount: this.options.maxStalledCount ?? 10,
      },
    );
    // BullMQ asks for an error listener; failures are recorded on the run by the processor.
    this.worker.on("error", () => undefined);
  }

  async pendingCount(): Promise<number> {
    const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(graceMs = 10_000): Promise<void> {
    if (this.worker) {
      const worker = this.worker;
      // Past the grace period, abort active processors' signals so they wind down and record why.
      const timer = setTimeout(() => worker.cancelAllJobs("Worker shutting down"), graceMs);
      await worker.close();
      clearTimeout(timer);
      await this.heartbeat?.stop();
    }
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
