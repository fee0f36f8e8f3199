import type { RunEvent, RunResult } from "./events";
import type { RunContext } from "./run-context";

/**
 * A streaming run: iterate it for events as they happen; `result` resolves with the full result
 * when the run ends (it never rejects: failures are in `state` and `errors`). Events are buffered,
 * so a slow consumer misses nothing. Only one consumer may iterate.
 */
export class AgentRun implements AsyncIterable<RunEvent> {
  readonly result: Promise<RunResult>;
  private readonly buffer: RunEvent[] = [];
  private wake: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly context: RunContext,
    private readonly controller: AbortController,
    start: (push: (event: RunEvent) => void) => Promise<RunResult>,
  ) {
    this.result = start((event) => {
      this.buffer.push(event);
      this.wake?.();
    }).finally(() => {
      this.done = true;
      this.wake?.();
    });
  }

  get runId(): string {
    return this.context.runId;
  }

  /** Stop the run; takes effect within the current model or tool call. */
  cancel(reason?: string): void {
    this.controller.abort(reason);
  }

  /** Answer a `user_input_request` event. */
  provideUserInput(requestId: string, reply: string): boolean {
    return this.context.provideUserInput(requestId, reply);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    let index = 0;
    for (;;) {
      while (index < this.buffer.length) yield this.buffer[index++] as RunEvent;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
