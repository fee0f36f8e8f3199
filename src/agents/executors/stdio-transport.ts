import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { RunnerExchange } from "./runner-exchange";
import {
  type CallMessage,
  type DoneMessage,
  parseRunnerMessage,
  type ResultMessage,
  type RunnerRequest,
} from "./runner-protocol";
import { type RunnerTransport, SandboxDiedError } from "./runner-transport";

/** Longest protocol line accepted from the runner (a `done` carries capped logs and a capped value). */
const MAX_LINE_CHARS = 4_000_000;

/**
 * The runner protocol over a pair of byte streams (local process stdio, or a container's attached
 * stdio). One request at a time; anything unparseable from the runner ends the session.
 */
export class StdioTransport implements RunnerTransport {
  private readonly exchange = new RunnerExchange({
    send: (message) => this.input.write(`${JSON.stringify(message)}\n`),
    protocolError: (reason) => this.protocolError(reason),
  });
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private isReady = false;

  constructor(
    private readonly input: Writable,
    output: Readable,
    private readonly stop: () => Promise<void>,
  ) {
    const lines = createInterface({ input: output, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => this.onLine(line));
    lines.on("close", () => this.fail(new SandboxDiedError("The Python runner exited", "SandboxError")));
    input.on("error", () => {
      // EPIPE after the runner died: reported through the output stream closing.
    });
  }

  get alive(): boolean {
    return this.exchange.dead === null;
  }

  /** Resolves once the runner announced itself. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.exchange.dead) return Promise.reject(this.exchange.dead);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Mark the session dead (process exit, OOM kill) with a reason. */
  fail(error: SandboxDiedError): void {
    if (!this.exchange.fail(error)) return;
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage> {
    return this.exchange.request(request, onCall);
  }

  async kill(): Promise<void> {
    this.fail(new SandboxDiedError("The sandbox was stopped", "SandboxError"));
    await this.stop();
  }

  private onLine(line: string): void {
    if (this.exchange.dead || line.length === 0) return;
    if (line.length > MAX_LINE_CHARS) {
      this.protocolError("oversized message");
      return;
    }
    const message = parseRunnerMessage(line);
    if (message.type === "invalid") {
      this.protocolError(message.reason);
      return;
    }
    if (message.type === "ready") {
      this.isReady = true;
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
      return;
    }
    this.exchange.receive(message);
  }

  private protocolError(reason: string): void {
    this.fail(new SandboxDiedError(`Protocol error from the Python runner: ${reason}`, "SandboxError"));
    void this.stop();
  }
}
