import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
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

interface Pending {
  id: string;
  onCall: (call: CallMessage) => Promise<ResultMessage>;
  resolve: (done: DoneMessage) => void;
  reject: (error: Error) => void;
}

/**
 * The runner protocol over a pair of byte streams (local process stdio, or a container's attached
 * stdio). One request at a time; anything unparseable from the runner ends the session.
 */
export class StdioTransport implements RunnerTransport {
  private pending: Pending | null = null;
  private dead: SandboxDiedError | null = null;
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
    return this.dead === null;
  }

  /** Resolves once the runner announced itself. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Mark the session dead (process exit, OOM kill) with a reason. */
  fail(error: SandboxDiedError): void {
    if (this.dead) return;
    this.dead = error;
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error("A request is already in flight"));
    return new Promise<DoneMessage>((resolve, reject) => {
      this.pending = { id: request.id, onCall, resolve, reject };
      this.write(request);
    });
  }

  async kill(): Promise<void> {
    this.fail(new SandboxDiedError("The sandbox was stopped", "SandboxError"));
    await this.stop();
  }

  private write(message: RunnerRequest | ResultMessage): void {
    if (this.dead) return;
    this.input.write(`${JSON.stringify(message)}\n`);
  }

  private onLine(line: string): void {
    if (this.dead || line.length === 0) return;
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
    const pending = this.pending;
    if (!pending) {
      this.protocolError(`unsolicited ${message.type}`);
      return;
    }
    if (message.type === "call") {
      pending.onCall(message).then(
        (result) => this.write(result),
        (error: unknown) => this.write({ type: "result", id: message.id, ok: false, error: String(error) }),
      );
      return;
    }
    if (message.id !== pending.id) {
      this.protocolError(`reply for unknown request ${message.id}`);
      return;
    }
    this.pending = null;
    pending.resolve(message);
  }

  private protocolError(reason: string): void {
    this.fail(new SandboxDiedError(`Protocol error from the Python runner: ${reason}`, "SandboxError"));
    void this.stop();
  }
}
