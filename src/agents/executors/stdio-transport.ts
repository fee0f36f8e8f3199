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

/**
 * Longest protocol line accepted from the runner (a `done` carries capped logs and a capped value).
 * Enforced while reading: a runner that never ends its line is cut once it passes this, not buffered.
 */
export const MAX_LINE_BYTES = 4_000_000;

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
  /** Bytes of the line being received, not yet ended by a newline. */
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(
    private readonly input: Writable,
    output: Readable,
    private readonly stop: () => Promise<void>,
  ) {
    output.on("data", (chunk: Buffer | string) => this.onData(chunk));
    const ended = () => this.fail(new SandboxDiedError("The Python runner exited", "SandboxError"));
    output.on("end", ended);
    output.on("close", ended);
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

  /** Split the runner's output into lines, refusing one that grows past MAX_LINE_BYTES. */
  private onData(data: Buffer | string): void {
    const chunk = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let start = 0;
    while (!this.exchange.dead) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0) break;
      const tail = chunk.subarray(start, newline);
      const bytes = this.partial.length > 0 ? Buffer.concat([...this.partial, tail]) : tail;
      this.partial = [];
      this.partialBytes = 0;
      start = newline + 1;
      if (bytes.length > MAX_LINE_BYTES) {
        this.protocolError("oversized message");
        return;
      }
      const line = bytes.toString("utf8");
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    if (this.exchange.dead || start >= chunk.length) return;
    this.partial.push(chunk.subarray(start));
    this.partialBytes += chunk.length - start;
    if (this.partialBytes > MAX_LINE_BYTES) {
      this.partial = [];
      this.protocolError("oversized message");
    }
  }

  private onLine(line: string): void {
    if (this.exchange.dead || line.length === 0) return;
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
    if (message.type === "done" && message.fatal) void this.kill();
  }

  private protocolError(reason: string): void {
    this.fail(new SandboxDiedError(`Protocol error from the Python runner: ${reason}`, "SandboxError"));
    void this.stop();
  }
}
