import type { RunEvent } from "~/agents/events";

/**
 * Collects a run's events and hands them on in order, in batches: when `maxBatch` are waiting or
 * `intervalMs` after the first one arrived. One flush runs at a time, so batches never overtake
 * each other; `drain()` waits for everything pushed so far.
 */
export class EventBatcher {
  private pending: RunEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly flush: (batch: RunEvent[]) => Promise<void>,
    private readonly options: { intervalMs: number; maxBatch: number } = { intervalMs: 20, maxBatch: 200 },
  ) {}

  push(event: RunEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.options.maxBatch) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.options.intervalMs);
  }

  /** Flush what is pending and wait for every flush; rethrows the first flush error. */
  async drain(): Promise<void> {
    this.flushNow();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.chain = this.chain.then(() =>
      this.flush(batch).catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
  }
}
