/**
 * The engine's error tree (smolagents' `AgentError` family). The class decides control
 * flow: errors the model caused (parsing, execution, tool call, tool execution) become observations
 * so the model can correct itself; generation errors end the step; cancellation ends the run.
 * Every error carries a `kind` saying who must act: `user` (shown, never retried), `operational`
 * (transient, retried with backoff), `unexpected` (a bug).
 */

/** Who must act on an error. */
export type ErrorKind = "user" | "operational" | "unexpected";

/** Class names of the tree, as they appear in events and step records. */
export type AgentErrorType =
  | "AgentError"
  | "AgentParsingError"
  | "AgentExecutionError"
  | "AgentToolCallError"
  | "AgentToolExecutionError"
  | "AgentMaxStepsError"
  | "AgentGenerationError"
  | "AgentCancelledError"
  | "AgentConfigError";

/** The JSON shape of an error in memory steps and run events. */
export interface AgentErrorJson {
  type: AgentErrorType;
  kind: ErrorKind;
  message: string;
}

/** Base of the tree; `type` mirrors the class name so JSON consumers can branch on it. */
export class AgentError extends Error {
  readonly type: AgentErrorType = "AgentError";
  readonly kind: ErrorKind;

  constructor(message: string, kind: ErrorKind = "unexpected", options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }

  toJSON(): AgentErrorJson {
    return { type: this.type, kind: this.kind, message: this.message };
  }
}

/** The model's output could not be parsed into an action (no code block, bad JSON). */
export class AgentParsingError extends AgentError {
  override readonly type = "AgentParsingError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** The model's code action failed in the sandbox (syntax error, exception, timeout, forbidden import). */
export class AgentExecutionError extends AgentError {
  override readonly type = "AgentExecutionError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** The model called a tool that does not exist or with arguments that fail validation. */
export class AgentToolCallError extends AgentError {
  override readonly type = "AgentToolCallError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** A tool raised while running. */
export class AgentToolExecutionError extends AgentError {
  override readonly type = "AgentToolExecutionError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** The run reached `maxSteps` without a final answer. */
export class AgentMaxStepsError extends AgentError {
  override readonly type = "AgentMaxStepsError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** The model call itself failed (network, 4xx/5xx after retries). Ends the run. */
export class AgentGenerationError extends AgentError {
  override readonly type = "AgentGenerationError";
  /** HTTP status when the provider answered with one. */
  readonly status: number | undefined;
  constructor(message: string, options?: ErrorOptions & { status?: number; kind?: ErrorKind }) {
    super(message, options?.kind ?? "operational", options);
    this.status = options?.status;
  }
}

/** The run's AbortSignal fired. */
export class AgentCancelledError extends AgentError {
  override readonly type = "AgentCancelledError";
  constructor(message = "Run cancelled", options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** The agent or tool was configured wrongly (missing secret, unknown tool, bad schema). */
export class AgentConfigError extends AgentError {
  override readonly type = "AgentConfigError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, "user", options);
  }
}

/** Normalise anything thrown into an AgentError (unknown values become `unexpected`). */
export function toAgentError(error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  if (isAbortError(error)) return new AgentCancelledError(undefined, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new AgentError(message, "unexpected", { cause: error });
}

/** True for DOM AbortErrors and the SDKs' abort errors. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof AgentCancelledError) return true;
  if (!(error instanceof Error)) return false;
  return error.name === "AbortError" || error.name === "APIUserAbortError";
}

/** Throw AgentCancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AgentCancelledError();
}
