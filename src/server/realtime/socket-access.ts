import "server-only";
import type { Server } from "socket.io";
import { z } from "zod";
import type { Role } from "~/lib/roles";
import { runStreamEvents, type TeamAccessRevoked } from "~/lib/run-stream";
import { can } from "~/server/auth/permissions";
import { runRoom } from "./run-event-publisher";

/**
 * Taking access away from open sockets at once. Every socket joins its user's room; a socket that
 * follows a run also joins the room of (run's team, user) and remembers which team each followed run
 * belongs to. Removing a member makes their sockets leave that team's run rooms; "sign out everywhere"
 * disconnects every socket of the user. Both go through the Socket.IO adapter, so with the Redis
 * adapter they reach sockets held by any web process. Run-room joins re-check session and membership
 * on every subscribe, so a socket missed here is still refused its next subscribe.
 */

/** The room of every socket of one user. */
export const userRoom = (userId: string) => `user:${userId}`;

/** The room of one user's sockets that follow runs of one team. */
export const teamMemberRoom = (teamId: string, userId: string) => `team:${teamId}:user:${userId}`;

/** What a run-room socket keeps in `socket.data.followedRuns`: run id → the run's team id. */
export const followedRunsSchema = z.record(z.string(), z.string()).default({});

const key = Symbol.for("troupe.realtimeServer");
type Holder = { io?: Server };
const globals = globalThis as Record<symbol, Holder | undefined>;
globals[key] ??= {};
const holder: Holder = globals[key];

/**
 * Make this process's Socket.IO server reachable from the API (shared through globalThis with the code
 * Next bundles, like the run services). Called when run rooms are attached.
 */
export function setRealtimeServer(io: Server | undefined): void {
  holder.io = io;
}

/**
 * After a member's role changed or their membership ended: when `role` (null: no longer a member)
 * may not `view` the team, their open sockets leave every run room of that team and are told so.
 */
export async function applyTeamAccess(teamId: string, userId: string, role: Role | null): Promise<void> {
  const io = holder.io;
  if (!io || (role && can(role, "view"))) return;
  const sockets = await io.in(teamMemberRoom(teamId, userId)).fetchSockets();
  for (const socket of sockets) {
    const followed = followedRunsSchema.parse(socket.data?.followedRuns);
    for (const [runId, runTeamId] of Object.entries(followed)) {
      if (runTeamId === teamId) socket.leave(runRoom(runId));
    }
    socket.leave(teamMemberRoom(teamId, userId));
    socket.emit(runStreamEvents.accessRevoked, { teamId } satisfies TeamAccessRevoked);
  }
}

/** A deleted team: every member's sockets leave its run rooms. */
export async function revokeTeamForEveryone(teamId: string, userIds: string[]): Promise<void> {
  for (const userId of userIds) await applyTeamAccess(teamId, userId, null);
}

/** "Sign out everywhere": disconnect every open socket of the user, in every web process. */
export async function disconnectUser(userId: string): Promise<void> {
  holder.io?.in(userRoom(userId)).disconnectSockets(true);
}
