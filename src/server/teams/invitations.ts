import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Role } from "~/lib/roles";
import type { PrismaClient } from "~/server/db";
import { recordAudit } from "./audit";

/** How long an invitation link works unless the inviter says otherwise. */
export const DEFAULT_INVITATION_DAYS = 7;

/** An invitation link's secret: 32 random bytes, base64url. */
export const invitationTokenSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{43}$/, "That invitation link is not valid.");

/** A new link's secret and the hash that is stored instead of it. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashInvitationToken(token) };
}

/** sha256 (hex) of a link's token: what the Invitation row keeps. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The page that accepts an invitation, on the app's public origin. */
export function invitationLink(origin: string, token: string): string {
  return new URL(`/invite/${token}`, origin).toString();
}

/** Why a link no longer works, or `valid`. */
export type InvitationState = "valid" | "expired" | "revoked" | "used" | "unknown";

/** What the invitation page shows about a link (never the token's hash or the inviter's e-mail). */
export type InvitationView =
  | { state: "unknown" }
  | {
      state: Exclude<InvitationState, "unknown">;
      id: string;
      teamId: string;
      teamName: string;
      email: string;
      role: Role;
      invitedBy: string | null;
      expiresAt: Date;
    };

/** Look a link up and say whether it can still be accepted. */
export async function inspectInvitation(
  db: PrismaClient,
  token: string,
  now = new Date(),
): Promise<InvitationView> {
  const parsed = invitationTokenSchema.safeParse(token);
  if (!parsed.success) return { state: "unknown" };
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(parsed.data) },
    select: {
      id: true,
      teamId: true,
      email: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      team: { select: { name: true } },
      invitedBy: { select: { name: true } },
    },
  });
  if (!invitation) return { state: "unknown" };
  const state: InvitationState = invitation.revokedAt
    ? "revoked"
    : invitation.acceptedAt
      ? "used"
      : invitation.expiresAt <= now
        ? "expired"
        : "valid";
  return {
    state,
    id: invitation.id,
    teamId: invitation.teamId,
    teamName: invitation.team.name,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy?.name ?? null,
    expiresAt: invitation.expiresAt,
  };
}

/** What a person sees for a link that does not work. */
export const invitationRefusals: Record<Exclude<InvitationState, "valid">, string> = {
  unknown: "This invitation link is not valid. Check that you copied all of it, or ask for a new one.",
  expired: "This invitation has expired. Ask the person who invited you for a new one.",
  revoked:
    "This invitation was withdrawn by the team. Ask the person who invited you if you think it is a mistake.",
  used: "This invitation has already been used. Each link works once; sign in if it was you, or ask for a new one.",
};

/** The outcome of accepting: the team joined, or why not. */
export type AcceptResult =
  | { ok: true; teamId: string; role: Role }
  | { ok: false; reason: Exclude<InvitationState, "valid"> | "wrong-account"; message: string };

/**
 * Accept a link for a signed-in user whose e-mail is the invited one: marks the invitation used and
 * adds the membership in one transaction (someone already a member keeps their role). Only one of
 * two concurrent accepts of the same link wins.
 */
export async function acceptInvitation(
  db: PrismaClient,
  token: string,
  user: { id: string; email: string | null },
  options: { ip?: string | null; now?: Date } = {},
): Promise<AcceptResult> {
  const now = options.now ?? new Date();
  const view = await inspectInvitation(db, token, now);
  if (view.state !== "valid")
    return { ok: false, reason: view.state, message: invitationRefusals[view.state] };
  if (user.email?.toLowerCase() !== view.email.toLowerCase()) {
    return {
      ok: false,
      reason: "wrong-account",
      message: `This invitation is for ${view.email}. Sign out and sign in or sign up with that address.`,
    };
  }
  return db.$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({
      where: { id: view.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now, acceptedById: user.id },
    });
    if (claimed.count !== 1) {
      return { ok: false as const, reason: "used" as const, message: invitationRefusals.used };
    }
    const membership = await tx.membership.upsert({
      where: { teamId_userId: { teamId: view.teamId, userId: user.id } },
      create: { teamId: view.teamId, userId: user.id, role: view.role },
      update: {},
      select: { role: true },
    });
    await recordAudit(tx, {
      teamId: view.teamId,
      actorId: user.id,
      action: "invitation.accepted",
      target: view.email,
      details: { role: membership.role },
      ip: options.ip ?? null,
    });
    return { ok: true as const, teamId: view.teamId, role: membership.role };
  });
}
