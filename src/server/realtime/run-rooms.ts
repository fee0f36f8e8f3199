import "server-only";
import type { Server, Socket } from "socket.io";
import type { RunEvent } from "~/agents/events";
import {
  type RunSubscribeAck,
  runStreamEvents,
  runSubscribeSchema,
  runUnsubscribeSchema,
} from "~/lib/run-stream";
import { can } from "~/server/auth/permissions";
import { userFromCookieHeader } from "~/server/auth/session-cookie";
import type { SocketData } from "~/server/auth/socket-auth";
import type { PrismaClient } from "~/server/db";
import { retryTransient } from "~/server/db/transient";
import { logger } from "~/server/logger";
import { listEventsAfter } from "~/server/runs/run-store";
import { runRoom } from "./run-event-publisher";
import { followedRunsSchema, setRealtimeServer, teamMemberRoom, userRoom } from "./socket-access";

/**
 * Run rooms, the server's side of the run stream (src/lib/run-stream.ts): `run:subscribe {runId,
 * afterSeq}` re-checks the session (a user signed out everywhere is disconnected) and the caller's
 * `view` permission in the run's team (src/server/auth/permissions.ts; another team's run answers "not
 * found", like the API), joins the run's room, then sends every stored event after `afterSeq`. The room is joined before reading the store, and events are published only
 * once stored, so nothing falls between; a client drops any seq it already has. Also makes `io` the
 * server that revocations reach (src/server/realtime/socket-access.ts).
 */
export function attachRunRooms(io: Server, db: PrismaClient): void {
  setRealtimeServer(io);
  // Reads tried again after a lost connection, so a database blip does not refuse a subscription.
  const read = <T>(operation: () => Promise<T>) => retryTransient(operation, { attempts: 5 });

  const subscribe = async (
    socket: Socket,
    user: SocketData["user"],
    runId: string,
    afterSeq: number,
    reply: (response: RunSubscribeAck) => void,
  ) => {
    if (!(await userFromCookieHeader(socket.handshake.headers.cookie))) {
      reply({ ok: false, error: "Signed out." });
      socket.disconnect(true);
      return;
    }
    const run = await read(() =>
      db.run.findUnique({ where: { id: runId }, select: { teamId: true, status: true } }),
    );
    const member =
      run &&
      (await read(() =>
        db.membership.findUnique({
          where: { teamId_userId: { teamId: run.teamId, userId: user.id } },
          select: { role: true },
        }),
      ));
    if (!run || !member || !can(member.role, "view")) return reply({ ok: false, error: "Run not found." });
    socket.data.followedRuns = {
      ...followedRunsSchema.parse(socket.data.followedRuns),
      [runId]: run.teamId,
    };
    await socket.join([runRoom(runId), teamMemberRoom(run.teamId, user.id)]);
    let cursor = afterSeq;
    for (;;) {
      const from = cursor;
      const page: RunEvent[] = await read(() => listEventsAfter(db, runId, from, 500));
      if (page.length === 0) break;
      socket.emit(runStreamEvents.events, page);
      cursor = page.at(-1)!.seq;
    }
    const latest = await read(() => db.run.findUnique({ where: { id: runId }, select: { status: true } }));
    reply({ ok: true, status: latest?.status ?? run.status, lastSeq: cursor });
  };

  io.on("connection", (socket: Socket) => {
    const { user } = socket.data as SocketData;
    void socket.join(userRoom(user.id));

    socket.on(runStreamEvents.subscribe, async (raw: unknown, ack?: (response: RunSubscribeAck) => void) => {
      const reply = typeof ack === "function" ? ack : () => undefined;
      const parsed = runSubscribeSchema.safeParse(raw);
      if (!parsed.success) return reply({ ok: false, error: "Expected { runId, afterSeq }." });
      const { runId, afterSeq } = parsed.data;
      try {
        await subscribe(socket, user, runId, afterSeq, reply);
      } catch (error) {
        // The database failed mid-way (its connection was cut, and the retries too): leave the room,
        // so the client does not take live events past a replay it never got, and say so.
        await socket.leave(runRoom(runId));
        logger.warn({ err: error, runId }, "a run subscription failed");
        reply({ ok: false, error: "Could not read the run's events; subscribe again." });
      }
    });

    socket.on(runStreamEvents.unsubscribe, async (raw: unknown) => {
      const parsed = runUnsubscribeSchema.safeParse(raw);
      if (!parsed.success) return;
      const { [parsed.data.runId]: _left, ...stillFollowed } = followedRunsSchema.parse(
        socket.data.followedRuns,
      );
      socket.data.followedRuns = stillFollowed;
      await socket.leave(runRoom(parsed.data.runId));
    });
  });
}
