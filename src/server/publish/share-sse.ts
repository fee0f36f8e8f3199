/**
 * A minimal Server-Sent Events writer for the share link's stream. To merge: the HTTP API's own SSE
 * writer (`sse.ts`, built alongside) does the same for the REST and OpenAI-compatible streams; once it
 * is in, the share routes should use it and this file should go.
 */

/** One SSE message: `id:` (what `Last-Event-ID` resumes after), `event:` and JSON `data:`. */
export interface SseMessage {
  id?: number | string;
  event?: string;
  data: unknown;
}

const HEARTBEAT_MS = 15_000;

/**
 * A `text/event-stream` response of `messages`, with a comment line every 15 s so proxies keep an idle
 * stream open. The source is closed when the client goes away (`signal`) or reading is cancelled.
 */
export function sseResponse(
  messages: AsyncIterable<SseMessage>,
  options: { signal?: AbortSignal; headers?: HeadersInit } = {},
): Response {
  const encoder = new TextEncoder();
  const iterator = messages[Symbol.asyncIterator]();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    clearInterval(heartbeat);
    void iterator.return?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      heartbeat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          clearInterval(heartbeat);
        }
      }, HEARTBEAT_MS);
      options.signal?.addEventListener("abort", stop, { once: true });
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          clearInterval(heartbeat);
          controller.close();
          return;
        }
        const { id, event, data } = next.value;
        const lines = [
          ...(id !== undefined ? [`id: ${id}`] : []),
          ...(event ? [`event: ${event}`] : []),
          `data: ${JSON.stringify(data)}`,
        ];
        controller.enqueue(encoder.encode(`${lines.join("\n")}\n\n`));
      } catch (error) {
        clearInterval(heartbeat);
        controller.error(error);
      }
    },
    cancel: stop,
  });
  const headers = new Headers(options.headers);
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache, no-transform");
  headers.set("x-accel-buffering", "no");
  return new Response(body, { status: 200, headers });
}
