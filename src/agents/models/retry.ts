import { AgentCancelledError, AgentGenerationError, isAbortError } from "../errors";
import { findOutboundError, findOutboundRefusal } from "../net/guarded-fetch";
import type { RetryInfo } from "./model";

/** Retry policy for provider calls: 429 and 5xx (and network failures) are retried with backoff. */
export interface RetryPolicy {
  maxRetries: number;
  /** First backoff delay; doubles per attempt with jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** HTTP status of a provider error, when it has one (openai APIError, HF errors, fetch responses). */
export function errorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as {
    status?: unknown;
    httpResponse?: { status?: unknown };
    response?: { status?: unknown };
  };
  for (const value of [record.status, record.httpResponse?.status, record.response?.status]) {
    if (typeof value === "number") return value;
  }
  return undefined;
}

function errorHeader(error: unknown, name: string): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const headers =
    (error as { headers?: unknown; httpResponse?: { headers?: unknown } }).headers ??
    (error as { httpResponse?: { headers?: unknown } }).httpResponse?.headers;
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** Delay demanded by Retry-After (seconds or HTTP date) or retry-after-ms, if present. */
export function retryAfterMs(error: unknown): number | undefined {
  const ms = errorHeader(error, "retry-after-ms");
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const value = errorHeader(error, "retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** True when the error is worth retrying: rate limits, server errors, timeouts, network failures. */
export function isRetryable(error: unknown): boolean {
  if (isAbortError(error) || findOutboundRefusal(error)) return false;
  const status = errorStatus(error);
  if (status === undefined) {
    const name = error instanceof Error ? error.name : "";
    return (
      name === "APIConnectionError" ||
      name === "APIConnectionTimeoutError" ||
      name === "TypeError" ||
      name === "OutboundLookupError"
    );
  }
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Resolve after `ms`, or reject with AgentCancelledError when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AgentCancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AgentCancelledError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Run `attempt` with retries per the policy, honouring Retry-After. Final failures become
 * AgentGenerationError (kind `operational` when retryable, `user` for 4xx such as a bad key);
 * aborts become AgentCancelledError.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal; onRetry?: (info: RetryInfo) => void; provider: string },
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (isAbortError(error) || options.signal?.aborted)
        throw new AgentCancelledError(undefined, { cause: error });
      const status = errorStatus(error);
      // A refused request or failed lookup (SDKs wrap them as "Connection error.") is reported
      // with the guard's own words; a refusal is never retried (see isRetryable).
      const outbound = findOutboundError(error);
      const message = outbound?.message ?? (error instanceof Error ? error.message : String(error));
      if (!isRetryable(error) || attemptNumber > policy.maxRetries) {
        throw new AgentGenerationError(`${options.provider} model call failed: ${message}`, {
          cause: error,
          status,
          kind: isRetryable(error) ? "operational" : "user",
        });
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
      const delayMs = Math.min(
        policy.maxDelayMs,
        retryAfterMs(error) ?? backoff * (0.75 + Math.random() * 0.5),
      );
      options.onRetry?.({ attempt: attemptNumber, delayMs, status, message });
      await sleep(delayMs, options.signal);
    }
  }
}
