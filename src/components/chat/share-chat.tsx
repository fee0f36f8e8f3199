"use client";

import { useMemo } from "react";
import { type ChatEvent, chatEventSchema } from "~/lib/chat-events";
import { Chat, type ChatTransport } from "./chat";

/** What the share routes answer when they refuse: `{ error: { code, message } }`. */
async function refusal(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: unknown } } | null;
  const message = typeof body?.error?.message === "string" ? body.error.message : undefined;
  if (response.status === 429) {
    const wait = response.headers.get("retry-after");
    return `${message ?? "Too many messages."}${wait ? ` (wait ${wait} s)` : ""}`;
  }
  return message ?? `The message could not be sent (${response.status}).`;
}

/**
 * The share link's transport: a message is a POST to the link's runs, its answer the run's
 * Server-Sent Events (an EventSource, which resumes with Last-Event-ID by itself after a dropped
 * connection), closed at the `end` event.
 */
export function shareTransport(token: string): ChatTransport {
  const base = `/api/v1/share/${encodeURIComponent(token)}/runs`;
  return {
    async send(task, previousRunId) {
      const response = await fetch(base, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task, ...(previousRunId ? { previous_run_id: previousRunId } : {}) }),
      });
      if (response.status !== 202) throw new Error(await refusal(response));
      const body = (await response.json()) as { run_id: string };
      return body.run_id;
    },
    follow(runId, onEvent, onError) {
      const source = new EventSource(`${base}/${encodeURIComponent(runId)}/events`);
      let ended = false;
      const handle = (message: MessageEvent<string>) => {
        let event: ChatEvent;
        try {
          event = chatEventSchema.parse(JSON.parse(message.data));
        } catch {
          return;
        }
        if (event.type === "end") {
          ended = true;
          source.close();
        }
        onEvent(event);
      };
      for (const name of ["step", "answer", "end"]) source.addEventListener(name, handle as EventListener);
      source.onerror = () => {
        // The browser reconnects by itself while the stream is open; a closed one will not come back.
        if (!ended && source.readyState === EventSource.CLOSED)
          onError("The connection to the agent was lost.");
      };
      return () => source.close();
    },
  };
}

/** The public chat of a share link. */
export function ShareChat({ token }: { token: string }) {
  const transport = useMemo(() => shareTransport(token), [token]);
  return <Chat transport={transport} className="h-full" />;
}
