import type { CallMessage, DoneMessage, ResultMessage, RunnerRequest } from "./runner-protocol";

/**
 * One live Python runner (a worker thread, a container or a process) reached through some channel.
 * Executors own a transport for the length of a run and replace it after a timeout or a crash.
 */
export interface RunnerTransport {
  /** False once the runner died or was stopped; the executor then starts a new one. */
  readonly alive: boolean;
  /** Send one request; tool calls arriving meanwhile are answered with `onCall`. Rejects with SandboxDiedError. */
  request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage>;
  /** Stop the runner now (terminate worker, kill container or process). Idempotent. */
  kill(): Promise<void>;
}

/** The sandbox behind a transport is gone: crashed, killed by the memory limit, or closed. */
export class SandboxDiedError extends Error {
  constructor(
    message: string,
    readonly reason: "MemoryLimit" | "SandboxError",
  ) {
    super(message);
    this.name = "SandboxDiedError";
  }
}
