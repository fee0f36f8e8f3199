import "server-only";
import type { RunEvent } from "~/agents/events";
import { ApiError } from "./api-error";

/**
 * Server-Sent Events for the HTTP API. A run's events go out as `id: <seq>`, `event: <type>`,
 * `data: <the RunEvent as JSON>`, so a client that reconnects with `Last-Event-ID` (EventSource does it
 * by itself) resumes after the last event it received, without gaps or repeats; the stream ends with
 * `event: end` carrying the run's result. A comment line every 15 s keeps proxies from closing an idle
 * stream. The stream stops as soon as the client goes away (the request's signal).
 */

/** One message of an event stream. `data` is sent as JSON unless it is a string. */
export interface SseMessage {
  id?: string | number;
  event?: string;
  data: unknown;
}

/** How long a stream may stay silent before a heartbeat comment is sent. */
export const SSE_HEARTBEAT_MS = 15_000;

/** The headers of an event stream (no caching, no proxy buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** One message in the wire format: each line of a string payload becomes its own `data:` line. */
export function formatSseMessage(message: SseMessage): string {
  let out = "";
  if (message.id !== undefined) out += `id: ${String(message.id).replace(/[\r\n]/g, "")}\n`;
  if (message.event !== undefined) out += `event: ${message.event.replace(/[\r\n]/g, "")}\n`;
  const data = typeof message.data === "string" ? message.data : JSON.stringify(message.data);
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * A `text/event-stream` response of the messages `produce` yields. `produce` gets a signal that aborts
 * when the client goes away (or the response stream is cancelled): pass it on to whatever waits
 * (e.g. `followRun`), so a waiting producer stops at once. Heartbeat comments fill silences.
 */
export function sseResponse(
  produce: (signal: AbortSignal) => AsyncIterable<SseMessage>,
  options: { signal?: AbortSignal; headers?: HeadersInit; heartbeatMs?: number; status?: number } = {},
): Response {
  const stop = new AbortController();
  const onClientGone = () => stop.abort();
  options.signal?.addEventListener("abort", onClientGone, { once: true });
  if (options.signal?.aborted) stop.abort();
  const encoder = new TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const cleanUp = () => {
    if (heartbeat) clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onClientGone);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (closed || stop.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          closed = true;
        }
      };
      heartbeat = setInterval(() => send(": keep-alive\n\n"), options.heartbeatMs ?? SSE_HEARTBEAT_MS);
      void (async () => {
        try {
          for await (const message of produce(stop.signal)) {
            if (stop.signal.aborted) break;
            send(formatSseMessage(message));
          }
        } catch (error) {
          if (!stop.signal.aborted) {
            const message = error instanceof ApiError ? error.message : "The stream failed.";
            send(formatSseMessage({ event: "error", data: { error: { code: "stream_failed", message } } }));
          }
        } finally {
          cleanUp();
          if (!closed) {
            closed = true;
            try {
              controller.close();
            } catch {
              // Already cancelled by the reader.
            }
          }
        }
      })();
    },
    cancel() {
      stop.abort();
      cleanUp();
    },
  });
  const headers = new Headers(options.headers);
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(body, { status: options.status ?? 200, headers });
}

/**
 * The event stream of a run: each event as `id: <seq>` / `event: <type>` / `data: <json>`, then
 * `event: end` with `result()` (the run's result) once the run has ended and every event is sent.
 * `follow(signal)` yields the run's events after the client's cursor (`followRun`).
 */
export function runEventsSseResponse(options: {
  follow: (signal: AbortSignal) => AsyncIterable<RunEvent>;
  result: () => Promise<unknown>;
  signal?: AbortSignal;
  headers?: HeadersInit;
  heartbeatMs?: number;
}): Response {
  return sseResponse(
    async function* (signal) {
      for await (const event of options.follow(signal)) {
        yield { id: event.seq, event: event.type, data: event };
      }
      if (!signal.aborted) yield { event: "end", data: await options.result() };
    },
    { signal: options.signal, headers: options.headers, heartbeatMs: options.heartbeatMs },
  );
}

/** A sequence number given by a client, or undefined when absent; a malformed one is a 400 naming it. */
function parseSeq(value: string | null, name: string): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (!/^-?\d{1,15}$/.test(text) || Number(text) < -1) {
    throw new ApiError(
      400,
      "invalid_request",
      `"${name}" must be an event sequence number (an integer ≥ -1).`,
      {
        param: name,
      },
    );
  }
  return Number(text);
}

/** The sequence number in a `Last-Event-ID` header value, or undefined when there is none. */
export function parseLastEventId(value: string | null): number | undefined {
  return parseSeq(value, "Last-Event-ID");
}

/**
 * Where a reader of a run's events resumes: after the `Last-Event-ID` header's sequence number (what a
 * reconnecting EventSource sends; it wins), else after the `after` query parameter, else from the start (-1).
 */
export function resumeAfterSeq(request: Request): number {
  const header = parseLastEventId(request.headers.get("last-event-id"));
  if (header !== undefined) return header;
  return parseSeq(new URL(request.url).searchParams.get("after"), "after") ?? -1;
}
