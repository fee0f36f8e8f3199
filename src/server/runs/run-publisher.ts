import "server-only";
import type { RunEvent } from "~/agents/events";
import type { RunStatusUpdate } from "~/lib/run-stream";

/**
 * Where the run processor sends what a run did, once stored: its events and its status changes.
 * `src/server/realtime/run-event-publisher.ts` delivers them to browsers (straight into the Socket.IO
 * server, or through the Redis emitter from a worker process); the wiring chooses one.
 */
export interface RunEventPublisher {
  publishEvents(runId: string, events: RunEvent[]): void;
  publishStatus(update: RunStatusUpdate): void;
  close(): Promise<void>;
}
