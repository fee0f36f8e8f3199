import type { CallMessage, DoneMessage, ResultMessage, RunnerRequest } from "./runner-protocol";
import type { SandboxDiedError } from "./runner-transport";

/** What carries the messages of an exchange: a worker's ports, or a process's or container's stdio. */
export interface RunnerChannel {
  /** Send a request or a tool result to the runner. */
  send(message: RunnerRequest | ResultMessage): void;
  /** The runner broke the protocol: end the session and stop the runner. */
  protocolError(reason: string): void;
}

interface Pending {
  id: string;
  onCall: (call: CallMessage) => Promise<ResultMessage>;
  resolve: (done: DoneMessage) => void;
  reject: (error: Error) => void;
}

/**
 * The runner protocol's request cycle, whatever carries it: one request in flight, the tool calls
 * that arrive meanwhile answered through `onCall`, then its `done`; a `done` for another request or a
 * message with nothing in flight is a protocol error. Once failed, the exchange refuses everything.
 */
export class RunnerExchange {
  private pending: Pending | null = null;
  private failure: SandboxDiedError | null = null;

  constructor(private readonly channel: RunnerChannel) {}

  /** Why the session ended, or null while it lives. */
  get dead(): SandboxDiedError | null {
    return this.failure;
  }

  /** Send one request; resolves with its `done`, rejects when the session ends first. */
  request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error("A request is already in flight"));
    return new Promise((resolve, reject) => {
      this.pending = { id: request.id, onCall, resolve, reject };
      this.channel.send(request);
    });
  }

  /** A `call` or `done` from the runner. */
  receive(message: CallMessage | DoneMessage): void {
    if (this.failure) return;
    const pending = this.pending;
    if (!pending) {
      this.channel.protocolError(`unsolicited ${message.type}`);
      return;
    }
    if (message.type === "call") {
      pending.onCall(message).then(
        (result) => this.reply(result),
        (error: unknown) => this.reply({ type: "result", id: message.id, ok: false, error: String(error) }),
      );
      return;
    }
    if (message.id !== pending.id) {
      this.channel.protocolError(`reply for unknown request ${message.id}`);
      return;
    }
    this.pending = null;
    pending.resolve(message);
  }

  /** End the session: the request in flight rejects with `error`. False if it had already ended. */
  fail(error: SandboxDiedError): boolean {
    if (this.failure) return false;
    this.failure = error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
    return true;
  }

  private reply(result: ResultMessage): void {
    if (!this.failure) this.channel.send(result);
  }
}
