import type { Server, Socket } from "socket.io";
import { z } from "zod";
import type { RunEvent } from "~/agents/events";
import { databaseInt } from "~/graph";
import type { SocketData } from "~/server/auth/socket-auth";
import type { PrismaClient } from "~/server/db";
import { listEventsAfter } from "~/server/runs/run-store";
import { RUN_EVENTS, runRoom } from "./run-event-publisher";

const subscribeSchema = z.object({
  runId: z.string().min(1).max(64),
  afterSeq: databaseInt(-1).default(-1),
});

export type SubscribeAck = { ok: true; status: string; lastSeq: number } | { ok: false; error: string };

/**
 * Run rooms: `run:subscribe {runId, afterSeq}` joins the run's room after checking the caller's
 * membership in the run's team (another team's run answers "not found", like the API), then sends
 * every stored event after `afterSeq`. The room is joined before reading the store, and events are
 * published only once stored, so nothing falls between; a client drops any seq it already has.
 */
export function attachRunRooms(io: Server, db: PrismaClient): void {
  io.on("connection", (socket: Socket) => {
    const { user } = socket.data as SocketData;

    socket.on("run:subscribe", async (raw: unknown, ack?: (response: SubscribeAck) => void) => {
      const reply = typeof ack === "function" ? ack : () => undefined;
      const parsed = subscribeSchema.safeParse(raw);
      if (!parsed.success) return reply({ ok: false, error: "Expected { runId, afterSeq }." });
      const { runId, afterSeq } = parsed.data;
      const run = await db.run.findUnique({ where: { id: runId }, select: { teamId: true, status: true } });
      const member =
        run &&
        (await db.membership.findUnique({
          where: { teamId_userId: { teamId: run.teamId, userId: user.id } },
          select: { role: true },
        }));
      if (!run || !member) return reply({ ok: false, error: "Run not found." });
      await socket.join(runRoom(runId));
      let cursor = afterSeq;
      for (;;) {
        const page: RunEvent[] = await listEventsAfter(db, runId, cursor, 500);
        if (page.length === 0) break;
        socket.emit(RUN_EVENTS, page);
        cursor = page.at(-1)!.seq;
      }
      const latest = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
      reply({ ok: true, status: latest?.status ?? run.status, lastSeq: cursor });
    });

    socket.on("run:unsubscribe", async (raw: unknown) => {
      const parsed = z.object({ runId: z.string().min(1).max(64) }).safeParse(raw);
      if (parsed.success) await socket.leave(runRoom(parsed.data.runId));
    });
  });
}
