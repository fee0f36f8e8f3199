import { z } from "zod";
import type { RunEvent } from "~/agents/events";
import { databaseInt } from "~/graph/bounds";
import { runStatuses } from "./run-status";

/**
 * The run stream: how a browser follows runs live over Socket.IO (same origin, cookie session). The
 * server (src/server/realtime/) and the browser (src/components/runs/use-run-events.ts, the playground)
 * take the event names, payloads and acknowledgements from here; nothing else spells them. Browser-safe.
 *
 * - browser → server: `run:subscribe {runId, afterSeq}`, answered through its acknowledgement
 *   (`RunSubscribeAck`) after every stored event with a seq above `afterSeq` has been sent;
 *   `run:unsubscribe {runId}`.
 * - server → browser: `run:events` (stored events of one run, ascending seq; batches may overlap, so a
 *   browser drops a seq it holds), `run:status` (a run changed status), `team:access-revoked` (the
 *   socket no longer receives that team's runs), `run:resync` (the server's Redis came back, live events
 *   may have been lost: subscribe again from the last seq held without a hole).
 */
/** Where Socket.IO listens on the web process's port (its default, said once). */
export const runStreamPath = "/socket.io";

/** The messages of the run stream, by what they do. */
export const runStreamEvents = {
  subscribe: "run:subscribe",
  unsubscribe: "run:unsubscribe",
  events: "run:events",
  status: "run:status",
  accessRevoked: "team:access-revoked",
  /** Live events may have been lost (the web process's Redis came back): subscribe again from what is held. */
  resync: "run:resync",
} as const;

const runIdSchema = z.string().min(1).max(64);
const runStatusSchema = z.enum(runStatuses);

/** `run:subscribe`: follow a run, receiving the stored events after `afterSeq` (-1: all of them) first. */
export const runSubscribeSchema = z.object({ runId: runIdSchema, afterSeq: databaseInt(-1).default(-1) });
export type RunSubscribe = z.input<typeof runSubscribeSchema>;

/** `run:unsubscribe`: stop following a run. */
export const runUnsubscribeSchema = z.object({ runId: runIdSchema });
export type RunUnsubscribe = z.infer<typeof runUnsubscribeSchema>;

/** The answer to `run:subscribe`: the run's status and the last seq sent, or why it was refused. */
export const runSubscribeAckSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), status: runStatusSchema, lastSeq: z.number().int() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type RunSubscribeAck = z.infer<typeof runSubscribeAckSchema>;

/** `run:status`: a run moved to another status; `error` says why it failed, timed out or was cancelled. */
export const runStatusUpdateSchema = z.object({
  runId: runIdSchema,
  status: runStatusSchema,
  error: z.string().nullish(),
});
export type RunStatusUpdate = z.infer<typeof runStatusUpdateSchema>;

/** `team:access-revoked`: removed from the team, or it was deleted; its runs are no longer sent. */
export const teamAccessRevokedSchema = z.object({ teamId: z.string() });
export type TeamAccessRevoked = z.infer<typeof teamAccessRevokedSchema>;

/** `run:events`: stored events (src/agents/events.ts), all of one run, in ascending seq. */
export type RunEventBatch = RunEvent[];
