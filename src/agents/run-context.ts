import { randomUUID } from "node:crypto";
import { AgentCancelledError } from "./errors";
import type { RunEvent, RunEventDraft } from "./events";
import { addUsage, type TokenUsage, zeroUsage } from "./models/model";
import type { TraceContent } from "./telemetry";

/**
 * State shared by a root run and every managed run beneath it: the run id, the event sink, the
 * sequence counter (assigned here, so numbers are strictly increasing across the whole tree), token
 * usage per agent path, the cancellation signal and pending `user_input` questions.
 */
export class RunContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  /** Keyed by agent path joined with "/"; prototype-free, since agent names are user data. */
  readonly usageByAgent: Record<string, TokenUsage> = Object.create(null);
  /** Whether (and through what) the run's spans carry prompt, completion, tool and code text. */
  readonly traceContent: TraceContent | undefined;
  private seq = 0;
  private readonly pendingInputs = new Map<string, (reply: string) => void>();

  constructor(options: {
    runId?: string;
    signal?: AbortSignal;
    sink: (event: RunEvent) => void;
    traceContent?: TraceContent;
  }) {
    this.runId = options.runId ?? randomUUID();
    this.traceContent = options.traceContent;
    this.signal = options.signal ?? new AbortController().signal;
    this.sink = options.sink;
  }

  private readonly sink: (event: RunEvent) => void;

  /** Stamp a draft with run id, path, sequence and time, and hand it to the sink. */
  emit(agentPath: string[], draft: RunEventDraft): RunEvent {
    const event = { ...draft, runId: this.runId, agentPath, seq: this.seq++, ts: Date.now() } as RunEvent;
    this.sink(event);
    return event;
  }

  addUsage(agentPath: string[], usage: TokenUsage): void {
    const key = agentPath.join("/");
    this.usageByAgent[key] = addUsage(this.usageByAgent[key] ?? zeroUsage(), usage);
  }

  /** Usage of the agent at `agentPath` and every agent beneath it. */
  usageUnder(agentPath: string[]): TokenUsage {
    const prefix = agentPath.join("/");
    let total = zeroUsage();
    for (const [key, usage] of Object.entries(this.usageByAgent)) {
      if (key === prefix || key.startsWith(`${prefix}/`)) total = addUsage(total, usage);
    }
    return total;
  }

  /** Emit a `user_input_request` and wait for `provideUserInput` (or cancellation). */
  requestUserInput(agentPath: string[], question: string): Promise<string> {
    const requestId = randomUUID();
    return new Promise<string>((resolve, reject) => {
      if (this.signal.aborted) return reject(new AgentCancelledError());
      const onAbort = () => {
        this.pendingInputs.delete(requestId);
        reject(new AgentCancelledError());
      };
      this.signal.addEventListener("abort", onAbort, { once: true });
      this.pendingInputs.set(requestId, (reply) => {
        this.signal.removeEventListener("abort", onAbort);
        resolve(reply);
      });
      this.emit(agentPath, { type: "user_input_request", requestId, question });
    });
  }

  /** Answer a pending `user_input` question; false when no such question is waiting. */
  provideUserInput(requestId: string, reply: string): boolean {
    const resolve = this.pendingInputs.get(requestId);
    if (!resolve) return false;
    this.pendingInputs.delete(requestId);
    resolve(reply);
    return true;
  }
}

/** Resolve with `promise`, or reject with AgentCancelledError as soon as the signal fires. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AgentCancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AgentCancelledError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
