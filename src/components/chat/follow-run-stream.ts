import type { Socket } from "socket.io-client";
import { type ChatEvent, chatEventOf, isChatEndStatus } from "~/lib/chat-events";
import {
  type RunEventBatch,
  type RunSubscribe,
  type RunUnsubscribe,
  runStatusUpdateSchema,
  runStreamEvents,
  runSubscribeAckSchema,
} from "~/lib/run-stream";

/**
 * Follow one run's chat events over a run-stream connection (the playground's transport): shown in
 * order and without a hole, caught up on every (re)connection, after a hole, on the server's resync and
 * when the run ends, then ended once with its final status. Returns the function that stops following.
 */
export function followRunStream(
  connection: Socket,
  runId: string,
  onEvent: (event: ChatEvent) => void,
  onError: (message: string) => void,
): () => void {
  let lastSeq = -1;
  let ended = false;
  // Why the run failed, from its status update, for the end the catch-up's answer makes.
  let endError: string | null | undefined;
  // A catch-up is on its way: holes seen meanwhile are filled by it, not by another one.
  let catchingUp = false;
  const end = (status: string, error?: string | null) => {
    if (ended || !isChatEndStatus(status)) return;
    ended = true;
    onEvent({ type: "end", status, output: undefined, ...(error ? { message: error } : {}) });
  };
  const subscribe = () => {
    catchingUp = true;
    connection.emit(
      runStreamEvents.subscribe,
      { runId, afterSeq: lastSeq } satisfies RunSubscribe,
      (raw: unknown) => {
        catchingUp = false;
        const ack = runSubscribeAckSchema.safeParse(raw);
        if (!ack.success) onError("The server's answer was not understood.");
        else if (!ack.data.ok) onError(ack.data.error);
        else end(ack.data.status, endError);
      },
    );
  };
  // Events are shown in order and without a hole: one past a hole (a live batch lost in transit)
  // is left for the re-subscription, which replays what is stored after the last one shown.
  const onEvents = (batch: RunEventBatch) => {
    let hole = false;
    for (const event of batch) {
      if (event.runId !== runId || event.seq <= lastSeq) continue;
      if (event.seq > lastSeq + 1) {
        hole = true;
        continue;
      }
      lastSeq = event.seq;
      const chat = chatEventOf(event);
      if (chat) onEvent(chat);
    }
    if (hole && !catchingUp && connection.connected) subscribe();
  };
  // A run that ended is caught up first (its last events may have been lost); the answer ends it.
  const onStatus = (raw: unknown) => {
    const update = runStatusUpdateSchema.safeParse(raw);
    if (!update.success || update.data.runId !== runId || !isChatEndStatus(update.data.status)) return;
    endError = update.data.error;
    if (connection.connected) subscribe();
    else end(update.data.status, endError);
  };
  // The server's Redis came back: live events may have been lost meanwhile.
  const onResync = () => {
    if (connection.connected) subscribe();
  };
  connection.on("connect", subscribe);
  connection.on(runStreamEvents.events, onEvents);
  connection.on(runStreamEvents.status, onStatus);
  connection.on(runStreamEvents.resync, onResync);
  if (connection.connected) subscribe();
  return () => {
    connection.emit(runStreamEvents.unsubscribe, { runId } satisfies RunUnsubscribe);
    connection.off("connect", subscribe);
    connection.off(runStreamEvents.events, onEvents);
    connection.off(runStreamEvents.status, onStatus);
    connection.off(runStreamEvents.resync, onResync);
  };
}
