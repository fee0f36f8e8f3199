import "server-only";
import type { RunEvent } from "~/agents/events";

/** One run's events in one flush, in sequence order. */
export interface RunEventBatch {
  runId: string;
  events: RunEvent[];
}

export interface RunEventWriterOptions {
  /** Store the batches of several runs together (one statement); throws if nothing was stored. */
  store: (batches: readonly RunEventBatch[]) => Promise<void>;
  /** Called for each run's batch once it is stored, in order: publish it, check the cost cap. */
  onStored?: (batch: RunEventBatch) => void;
  /** Called once when a run's events can no longer be stored, so the run can be stopped at once. */
  onFailed?: (runId: string, error: unknown) => void;
  /** How long the first event of a flush waits for others to join it. */
  intervalMs?: number;
  /** Flush at once when this many events are waiting. */
  maxEvents?: number;
}

/** The events gathered for one flush, and a promise settled when that flush is over. */
class Gathering {
  readonly runs = new Map<string, RunEvent[]>();
  count = 0;
  firstAt = 0;
  urgent = false;
  settle!: () => void;
  readonly settled = new Promise<void>((resolve) => {
    this.settle = resolve;
  });
}

/**
 * A worker's one writer of run events, a group commit: the events of every run the worker carries
 * are gathered and stored together — one statement per flush, however many runs — and only then
 * handed on, so a client that re-reads the store after a reconnect misses nothing. One flush at a
 * time: events arriving meanwhile gather for the next, so under load batches grow instead of
 * statements queueing. Each run's events stay in order; a run whose write fails stores nothing more
 * (no gaps) and `drain` reports the error, without failing the other runs of the batch.
 */
export class RunEventWriter {
  private gathering = new Gathering();
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly lastGathering = new Map<string, Gathering>();
  private readonly failures = new Map<string, unknown>();
  private readonly intervalMs: number;
  private readonly maxEvents: number;

  constructor(private readonly options: RunEventWriterOptions) {
    this.intervalMs = options.intervalMs ?? 20;
    this.maxEvents = options.maxEvents ?? 500;
  }

  push(runId: string, event: RunEvent): void {
    const gathering = this.gathering;
    let events = gathering.runs.get(runId);
    if (!events) {
      events = [];
      gathering.runs.set(runId, events);
    }
    events.push(event);
    if (gathering.count++ === 0) gathering.firstAt = Date.now();
    this.lastGathering.set(runId, gathering);
    this.schedule();
  }

  /** Wait until every event pushed for the run so far is stored and handed on; rethrows its write error. */
  async drain(runId: string): Promise<void> {
    const gathering = this.lastGathering.get(runId);
    if (gathering) {
      if (gathering === this.gathering) {
        gathering.urgent = true;
        this.schedule();
      }
      await gathering.settled;
    }
    const failure = this.failures.get(runId);
    if (failure !== undefined) throw failure;
  }

  /** Forget a run that has ended (after its last `drain`). */
  forget(runId: string): void {
    this.lastGathering.delete(runId);
    this.failures.delete(runId);
  }

  private schedule(): void {
    const gathering = this.gathering;
    if (this.flushing || gathering.count === 0) return;
    const wait = gathering.firstAt + this.intervalMs - Date.now();
    if (gathering.urgent || gathering.count >= this.maxEvents || wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private flush(): void {
    const gathering = this.gathering;
    this.gathering = new Gathering();
    this.flushing = true;
    void this.write(gathering).finally(() => {
      this.flushing = false;
      gathering.settle();
      this.schedule();
    });
  }

  private async write(gathering: Gathering): Promise<void> {
    const batches: RunEventBatch[] = [];
    for (const [runId, events] of gathering.runs) {
      if (!this.failures.has(runId)) batches.push({ runId, events });
    }
    if (batches.length === 0) return;
    let stored: RunEventBatch[] = batches;
    try {
      await this.options.store(batches);
    } catch (error) {
      // Find the run(s) the statement failed for; the others are stored one by one.
      stored = [];
      if (batches.length === 1) this.fail(batches[0]!.runId, error);
      else {
        for (const batch of batches) {
          try {
            await this.options.store([batch]);
            stored.push(batch);
          } catch (runError) {
            this.fail(batch.runId, runError);
          }
        }
      }
    }
    for (const batch of stored) {
      try {
        this.options.onStored?.(batch);
      } catch (error) {
        this.fail(batch.runId, error);
      }
    }
  }

  private fail(runId: string, error: unknown): void {
    if (this.failures.has(runId)) return;
    this.failures.set(runId, error);
    this.options.onFailed?.(runId, error);
  }
}
