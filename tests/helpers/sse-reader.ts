/** One Server-Sent Events message as a client receives it. */
export interface SseClientMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Read a `text/event-stream` response body as it arrives (a real streaming reader over the socket),
 * parsing messages per the SSE rules: fields `id`, `event`, `data` (joined by newlines), comment lines
 * (starting with ":") skipped, a blank line ends a message. Counts the comments too (heartbeats).
 */
export async function* readSse(
  response: Response,
  stats: { comments: number } = { comments: 0 },
): AsyncGenerator<SseClientMessage> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let buffer = "";
  let current: { id?: string; event?: string; data: string[] } = { data: [] };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (current.data.length || current.event) {
            yield { id: current.id, event: current.event ?? "message", data: current.data.join("\n") };
          }
          current = { data: [] };
        } else if (line.startsWith(":")) {
          stats.comments += 1;
        } else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "id") current.id = value;
          else if (field === "event") current.event = value;
          else if (field === "data") current.data.push(value);
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
