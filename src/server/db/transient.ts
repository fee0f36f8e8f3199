import "server-only";

/**
 * Database failures that a second try can get past: the connection was cut (a restarted or failed-over
 * Postgres, `pg_terminate_backend`, a network blip) or the server is starting or stopping. A worker
 * retries its run's claim, event writes and final status through these, so a dropped connection does
 * not leave a run `queued` or `running` for ever; anything else (a refused statement) is not retried.
 */
const TRANSIENT =
  /\b(57P0[123]|08(000|001|003|004|006|P01)|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)\b|terminating connection|connection terminated|connection (is )?closed|server closed the connection|the database system is (starting up|shutting down)|Client has encountered a connection error/i;

/** Whether `error`, or an error it wraps, says the database connection was lost rather than a statement refused. */
export function isTransientDatabaseError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { message, code, cause, originalCode, meta } = current as {
      message?: unknown;
      code?: unknown;
      cause?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    for (const text of [message, code, originalCode])
      if (typeof text === "string" && TRANSIENT.test(text)) return true;
    // Prisma keeps the driver's error under meta.driverAdapterError, with the Postgres code in its cause.
    current = cause ?? meta?.driverAdapterError;
  }
  return false;
}

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** Wait before the second try; doubled after each failure, at most 2 s. */
  delayMs?: number;
  /** Called before each retry (for a log line). */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Run `operation`, again after a transient database failure, up to `attempts` tries. */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  let delay = options.delayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
