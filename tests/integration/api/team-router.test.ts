import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStreamEvents } from "~/lib/run-stream";
import { sessionCookie, startRunSocketServer } from "../../helpers/lookup-clerk";
import { apiPeople, expectCode, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * Teams and their members through the tRPC API on real Postgres, and access taken away from open
 * Socket.IO clients at once (real server with the Redis adapter, real cookie authentication): a
 * removed member's socket leaves the team's run rooms, and "sign out everywhere" disconnects.
 */
const database = await createTestDatabase("teams");
const AUTH_SECRET = "team-router-test-secret-0123456789abcdef";
const REDIS_URL = "redis://127.0.0.1:6379";
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", AUTH_SECRET, LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { callerFor, person } = await apiPeople();
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
const { SocketServerPublisher } = await import("~/server/realtime/run-event-publisher");
type Person = Awaited<ReturnType<typeof person>>;

let olive: Person;
let bob: Person;
let carol: Person;
let sockets: Awaited<ReturnType<typeof startRunSocketServer>>;

beforeAll(async () => {
  await startDatabase();
  olive = await person("Olive", "olive@example.com");
  bob = await person("Bob", "bob@example.com");
  carol = await person("Carol", "carol@example.com");
  sockets = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });
});

afterAll(async () => {
  sockets?.close();
  await db.$disconnect();
  await database.drop();
});

/** A team of Olive's with Bob and Carol in the given roles. */
async function crew(roles: {
  bob?: "viewer" | "editor" | "admin" | "owner";
  carol?: "viewer" | "editor" | "admin" | "owner";
}) {
  const team = await olive.caller.team.create({ name: "  Research crew " });
  if (roles.bob)
    await db.membership.create({ data: { teamId: team.id, userId: bob.userId, role: roles.bob } });
  if (roles.carol)
    await db.membership.create({ data: { teamId: team.id, userId: carol.userId, role: roles.carol } });
  return team.id;
}

const roleOf = async (teamId: string, userId: string) =>
  (await db.membership.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { role: true } }))
    ?.role ?? null;

describe("team router", () => {
  it("creates a team owned by its creator, renames and deletes it; the personal team stays", async () => {
    const teamId = await crew({ bob: "admin" });
    const created = await db.team.findUniqueOrThrow({ where: { id: teamId } });
    expect(created).toMatchObject({ name: "Research crew", personal: false });
    expect(await roleOf(teamId, olive.userId)).toBe("owner");

    expect((await bob.caller.team.rename({ teamId, name: "Market crew" })).name).toBe("Market crew");
    await expectCode(bob.caller.team.rename({ teamId, name: "   " }), "BAD_REQUEST");
    await expectCode(bob.caller.team.delete({ teamId }), "FORBIDDEN");
    await olive.caller.team.delete({ teamId });
    expect(await db.team.findUnique({ where: { id: teamId } })).toBeNull();

    await expectCode(olive.caller.team.delete({ teamId: olive.teamId }), "BAD_REQUEST");
    await expectCode(olive.caller.team.leave({ teamId: olive.teamId }), "BAD_REQUEST");
    expect(await db.team.findUnique({ where: { id: olive.teamId } })).not.toBeNull();
  });

  it("always keeps an owner: the last owner cannot leave, be demoted or be removed", async () => {
    const teamId = await crew({ bob: "admin", carol: "editor" });
    expect((await rejection(olive.caller.team.leave({ teamId }))).message).toContain("last owner");
    await expectCode(
      olive.caller.team.setRole({ teamId, userId: olive.userId, role: "admin" }),
      "BAD_REQUEST",
    );
    await expectCode(bob.caller.team.removeMember({ teamId, userId: olive.userId }), "FORBIDDEN");
    await expectCode(bob.caller.team.setRole({ teamId, userId: carol.userId, role: "owner" }), "FORBIDDEN");
    expect(await roleOf(teamId, olive.userId)).toBe("owner");
    expect(await roleOf(teamId, carol.userId)).toBe("editor");

    // Hand ownership on; then the former owner may leave.
    await olive.caller.team.transferOwnership({ teamId, userId: carol.userId });
    expect(await roleOf(teamId, carol.userId)).toBe("owner");
    expect(await roleOf(teamId, olive.userId)).toBe("admin");
    await olive.caller.team.leave({ teamId });
    expect(await roleOf(teamId, olive.userId)).toBeNull();
    await expectCode(olive.caller.team.members({ teamId }), "NOT_FOUND");
  });

  it("changes roles with effect on the next call", async () => {
    const teamId = await crew({ bob: "admin", carol: "editor" });
    await carol.caller.workflow.create({ teamId, name: "Before" });
    await bob.caller.team.setRole({ teamId, userId: carol.userId, role: "viewer" });
    await expectCode(carol.caller.workflow.create({ teamId, name: "After" }), "FORBIDDEN");
    const members = await carol.caller.team.members({ teamId });
    expect(members.find((member) => member.id === carol.userId)?.role).toBe("viewer");
    await bob.caller.team.removeMember({ teamId, userId: carol.userId });
    await expectCode(carol.caller.workflow.list({ teamId }), "NOT_FOUND");
    await expectCode(bob.caller.team.removeMember({ teamId, userId: carol.userId }), "NOT_FOUND");
  });
});

describe("audit log", () => {
  it("records member, role and invitation changes with who, whom and from where; admins read and export it", async () => {
    const teamId = await crew({ bob: "admin", carol: "editor" });
    const fromAddress = callerFor(
      { id: bob.userId, name: "Bob", email: "bob@example.com" },
      new Headers({ "x-troupe-client-address": "203.0.113.7" }),
    );
    await fromAddress.team.setRole({ teamId, userId: carol.userId, role: "viewer" });
    const sent = await fromAddress.team.invite({ teamId, email: "+cmd@example.com", role: "editor" });
    await fromAddress.team.revokeInvitation({ teamId, invitationId: sent.invitation.id });
    await fromAddress.team.removeMember({ teamId, userId: carol.userId });

    const page = await bob.caller.team.auditLog({ teamId, limit: 3 });
    expect(page.items.map((item) => item.action)).toEqual([
      "member.removed",
      "invitation.revoked",
      "invitation.created",
    ]);
    expect(page.items[0]).toMatchObject({
      actor: "bob@example.com",
      target: "carol@example.com",
      ip: "203.0.113.7",
      details: { role: "viewer" },
    });
    const rest = await bob.caller.team.auditLog({ teamId, limit: 3, cursor: page.nextCursor });
    expect(rest.items.map((item) => item.action)).toEqual(["member.role_changed", "team.created"]);
    expect(rest.items[0]?.details).toEqual({ from: "editor", to: "viewer" });
    expect(rest.nextCursor).toBeUndefined();

    const { csv, filename } = await olive.caller.team.auditCsv({ teamId });
    expect(filename).toMatch(/-audit-log\.csv$/);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("time,action,actor,target,details,ip");
    expect(lines).toHaveLength(6);
    // A target that a spreadsheet would run as a formula is defused.
    expect(csv).toContain(",'+cmd@example.com,");
    expect(csv).not.toContain(sent.link.split("/").at(-1));

    await db.membership.create({ data: { teamId, userId: carol.userId, role: "editor" } });
    await expectCode(carol.caller.team.auditLog({ teamId }), "FORBIDDEN");
  });
});

describe("open sockets lose access at once", () => {
  async function client(userId: string): Promise<{ socket: Socket; events: unknown[]; revoked: unknown[] }> {
    const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
    const cookie = await sessionCookie(user, AUTH_SECRET);
    const socket = connect(sockets.url, {
      path: "/socket.io",
      transports: ["websocket"],
      extraHeaders: { cookie },
    });
    const events: unknown[] = [];
    const revoked: unknown[] = [];
    socket.on(runStreamEvents.events, (batch: unknown[]) => events.push(...batch));
    socket.on(runStreamEvents.accessRevoked, (payload: unknown) => revoked.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    return { socket, events, revoked };
  }

  const subscribe = (socket: Socket, runId: string) =>
    new Promise<{ ok: boolean; error?: string }>((resolve) =>
      socket.emit(runStreamEvents.subscribe, { runId, afterSeq: -1 }, resolve),
    );

  const waitFor = async (check: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("a removed member's socket stops receiving the team's runs and cannot subscribe again", async () => {
    const teamId = await crew({ carol: "editor" });
    const run = await db.run.create({ data: { teamId, spec: {}, task: "t", status: "running" } });
    const ownRun = await db.run.create({
      data: { teamId: carol.teamId, spec: {}, task: "t", status: "running" },
    });
    const carolClient = await client(carol.userId);
    const publisher = new SocketServerPublisher(sockets.io);
    try {
      expect(await subscribe(carolClient.socket, run.id)).toMatchObject({ ok: true });
      expect(await subscribe(carolClient.socket, ownRun.id)).toMatchObject({ ok: true });
      const event = (runId: string, seq: number) => ({ runId, seq, type: "run_started" });
      publisher.publishEvents(run.id, [event(run.id, 0) as never]);
      await waitFor(() => carolClient.events.length === 1);

      await olive.caller.team.removeMember({ teamId, userId: carol.userId });
      await waitFor(() => carolClient.revoked.length === 1);
      expect(carolClient.revoked).toEqual([{ teamId }]);

      publisher.publishEvents(run.id, [event(run.id, 1) as never]);
      publisher.publishEvents(ownRun.id, [event(ownRun.id, 0) as never]);
      await waitFor(() => carolClient.events.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(carolClient.events).toEqual([event(run.id, 0), event(ownRun.id, 0)]);
      expect(await subscribe(carolClient.socket, run.id)).toEqual({ ok: false, error: "Run not found." });
    } finally {
      carolClient.socket.close();
    }
  });

  it("sign out everywhere disconnects the user's sockets, and the old cookie is refused after", async () => {
    const bobClient = await client(bob.userId);
    const disconnected = new Promise<string>((resolve) => bobClient.socket.once("disconnect", resolve));
    await bob.caller.user.signOutEverywhere();
    expect(await disconnected).toBe("io server disconnect");

    bobClient.socket.connect();
    const refused = await new Promise<string>((resolve) => {
      bobClient.socket.once("connect", () => resolve("connected"));
      bobClient.socket.once("connect_error", (error) => resolve(error.message));
    });
    expect(refused).toBe("unauthorized");
    bobClient.socket.close();
  });
});
