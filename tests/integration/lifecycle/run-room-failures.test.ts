import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { sessionCookie, startRunSocketServer } from "../../helpers/lookup-clerk";
import { createTestDatabase } from "../api/test-database";

/**
 * A run subscription when the database fails under it (real Postgres, Socket.IO, Redis adapter): a
 * connection cut during the replay is tried again and the client gets every stored event; a replay
 * that cannot be read leaves the run's room and says so, so the client never takes live events past
 * a replay it did not get (which left a hole at the start of the run for good).
 */
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const AUTH_SECRET = "run-room-failures-secret-0123456789abcdef";
const database = await createTestDatabase("roomfail");
Object.assign(process.env, { DATABASE_URL: database.url, AUTH_SECRET, LOG_LEVEL: "fatal" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
const { runRoom } = await import("~/server/realtime/run-event-publisher");
const { runStreamEvents } = await import("~/lib/run-stream");
const { appendEvents, createRun, tallyOf } = await import("~/server/runs/run-store");

let server: Awaited<ReturnType<typeof startRunSocketServer>>;
let socket: Socket;
let runId: string;
const received: number[] = [];

function event(seq: number): RunEvent {
  return {
    type: "run_started",
    runId,
    agentPath: ["clerk"],
    seq,
    ts: Date.now(),
    task: `step ${seq}`,
  } as never;
}

async function subscribe(afterSeq = -1) {
  return (await socket.timeout(15_000).emitWithAck(runStreamEvents.subscribe, { runId, afterSeq })) as {
    ok: boolean;
    error?: string;
  };
}

/** A client holding the given table (in a transaction of its own) until `release`. */
async function holdTable(table: string) {
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  await locker.query(`BEGIN; LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
  const pid = (await locker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  return {
    pid,
    async release() {
      await locker.query("COMMIT");
      await locker.end();
    },
  };
}

async function terminateConnections(keep: number[]): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const { rowCount } = await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND NOT (pid = ANY($1::int[]))",
    [keep],
  );
  await admin.end();
  return rowCount ?? 0;
}

beforeAll(async () => {
  await startDatabase();
  const account = await signUp({ name: "Kay", email: "kay@example.com", password: "rooms and holes" });
  if (!account.ok) throw new Error("sign-up failed");
  const user = await db.user.findUniqueOrThrow({ where: { email: "kay@example.com" } });
  const teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
  const run = await createRun(db, {
    teamId,
    spec: {
      type: "toolCalling",
      name: "clerk",
      model: { provider: "openai", model: "m" },
      tools: [],
    } as never,
    task: "t",
  });
  runId = run.id;
  await appendEvents(db, [{ runId, events: [0, 1, 2].map(event), tally: tallyOf(run), prices: [] }]);
  server = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });
  socket = connect(server.url, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie: await sessionCookie(user, AUTH_SECRET) },
  });
  socket.on(runStreamEvents.events, (batch: RunEvent[]) => {
    for (const e of batch) received.push(e.seq);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
});

afterAll(async () => {
  socket?.close();
  server?.close();
  await db.$disconnect();
  await database.drop();
});

describe("run subscriptions when the database fails", () => {
  it("tries the replay again after its connection was cut, and sends every stored event", async () => {
    received.length = 0;
    const held = await holdTable("RunEvent");
    const answer = subscribe();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await terminateConnections([held.pid])).toBeGreaterThan(0);
    await held.release();
    expect(await answer).toMatchObject({ ok: true });
    expect(received).toEqual([0, 1, 2]);
  });

  it("leaves the run's room and says so when the replay cannot be read", async () => {
    socket.emit(runStreamEvents.unsubscribe, { runId });
    received.length = 0;
    // The replay's statement is refused (not a lost connection: not tried again).
    await db.$executeRawUnsafe('ALTER TABLE "RunEvent" RENAME TO "RunEventAway"');
    try {
      expect(await subscribe()).toEqual({
        ok: false,
        error: "Could not read the run's events; subscribe again.",
      });
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE "RunEventAway" RENAME TO "RunEvent"');
    }
    // A live event for the run now: the client is not in the room, so it does not get it.
    server.io.to(runRoom(runId)).emit(runStreamEvents.events, [event(3)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);
    // Subscribing again replays from the start.
    expect(await subscribe()).toMatchObject({ ok: true });
    expect(received).toEqual([0, 1, 2]);
  });
});
