"use client";

import { useEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { RunEvent } from "~/agents/events";
import { isTerminal } from "~/lib/run-status";
import {
  type RunEventBatch,
  type RunSubscribe,
  type RunUnsubscribe,
  runStatusUpdateSchema,
  runStreamEvents,
  runStreamPath,
  runSubscribeAckSchema,
} from "~/lib/run-stream";
import { contiguousSeq, mergeEvents } from "~/lib/run-timeline";

export interface RunEventsState {
  /** Every event of the run so far, by seq, no duplicates. */
  events: readonly RunEvent[];
  /** The run's status as the server last reported it (undefined before the first answer). */
  status?: string;
  /** The reason a run failed, timed out or was cancelled, when pushed live. */
  statusError?: string | null;
  connected: boolean;
  /** Why the subscription was refused (e.g. "Run not found."). */
  error?: string;
}

/**
 * The live event stream of one run over Socket.IO (same origin, cookie session). Subscribes with
 * the last seq it holds without a hole, on the first connection, on every reconnection, when a batch
 * shows a hole (a live batch lost in transit) and when the run ends, so it ends with the complete
 * ordered list; batches may overlap and are merged by seq.
 */
export function useRunEvents(runId: string): RunEventsState {
  const [state, setState] = useState<RunEventsState>({ events: [], connected: false });
  const lastSeq = useRef(-1);
  const held = useRef<readonly RunEvent[]>([]);

  useEffect(() => {
    lastSeq.current = -1;
    held.current = [];
    let catchingUp = false;
    setState({ events: [], connected: false });
    const socket: Socket = io({ path: runStreamPath, transports: ["websocket", "polling"] });

    const subscribe = () => {
      catchingUp = true;
      const request: RunSubscribe = { runId, afterSeq: lastSeq.current };
      socket.emit(runStreamEvents.subscribe, request, (raw: unknown) => {
        catchingUp = false;
        const parsed = runSubscribeAckSchema.safeParse(raw);
        const ack = parsed.success
          ? parsed.data
          : { ok: false as const, error: "The server's answer was not understood." };
        setState((previous) =>
          ack.ok
            ? { ...previous, status: ack.status, connected: true, error: undefined }
            : { ...previous, error: ack.error },
        );
      });
    };
    const onEvents = (batch: RunEventBatch) => {
      const mine = batch.filter((event) => event.runId === runId);
      if (mine.length === 0) return;
      const events = mergeEvents(held.current, mine);
      if (events === held.current) return;
      held.current = events;
      lastSeq.current = contiguousSeq(events);
      setState((previous) => ({ ...previous, events }));
      if (events.at(-1)!.seq > lastSeq.current && !catchingUp && socket.connected) subscribe();
    };
    const onStatus = (raw: unknown) => {
      const parsed = runStatusUpdateSchema.safeParse(raw);
      if (!parsed.success || parsed.data.runId !== runId) return;
      const update = parsed.data;
      setState((previous) => ({ ...previous, status: update.status, statusError: update.error }));
      // The last events may have been lost in transit: read whatever is stored after what is held.
      if (isTerminal(update.status) && socket.connected) subscribe();
    };
    const onDisconnect = () => setState((previous) => ({ ...previous, connected: false }));
    // Removed from the run's team, or signed out everywhere: the server stopped sending this run.
    const onRevoked = () =>
      setState((previous) => ({
        ...previous,
        connected: false,
        error: "You no longer have access to this team's runs.",
      }));
    const onConnectError = (error: Error) =>
      setState((previous) => ({ ...previous, connected: false, error: error.message }));

    socket.on("connect", subscribe);
    socket.on(runStreamEvents.events, onEvents);
    socket.on(runStreamEvents.status, onStatus);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    socket.on(runStreamEvents.accessRevoked, onRevoked);
    // The server's Redis came back: live events may have been lost meanwhile.
    socket.on(runStreamEvents.resync, () => {
      if (socket.connected) subscribe();
    });
    return () => {
      socket.emit(runStreamEvents.unsubscribe, { runId } satisfies RunUnsubscribe);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [runId]);

  return state;
}
