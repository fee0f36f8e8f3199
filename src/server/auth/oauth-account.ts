import "server-only";
import { db } from "~/server/db";
import { onboardNewTeam } from "./onboarding";
import { personalTeamName, teamSlug } from "./sign-up";
import { signUpRefusal } from "./sign-up-policy";

/** The parts of an Auth.js OAuth sign-in that identify the account and its owner. */
export type OAuthSignIn = {
  provider: string;
  providerAccountId: string;
  type: string;
  profile: { name?: string | null; email?: string | null; image?: string | null };
};

/**
 * Outcome of linking: the Troupe user id, or a refusal because the e-mail belongs to another account
 * or because the person is new and the server's SIGNUP mode does not let them create an account.
 */
export type OAuthLinkResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "email-taken" | "sign-up-closed" };

/**
 * Find the Troupe user behind an OAuth account, creating the user, the account row and a personal team
 * (onboarded like the sign-up form's) on first sign-in. An e-mail already used by a different account
 * is refused rather than silently linked, so nobody can take over a password account through a
 * provider that reports the same address. A first sign-in creates an account, so it obeys SIGNUP like
 * the sign-up form.
 */
export async function linkOAuthAccount(signIn: OAuthSignIn, client = db): Promise<OAuthLinkResult> {
  const existing = await client.account.findUnique({
    where: {
      provider_providerAccountId: { provider: signIn.provider, providerAccountId: signIn.providerAccountId },
    },
    select: { userId: true },
  });
  if (existing) return { ok: true, userId: existing.userId };
  const email = signIn.profile.email?.toLowerCase() ?? null;
  if (email && (await client.user.findUnique({ where: { email }, select: { id: true } }))) {
    return { ok: false, reason: "email-taken" };
  }
  if (signUpRefusal() !== null) return { ok: false, reason: "sign-up-closed" };
  const name = signIn.profile.name?.trim() || email?.split("@")[0] || "New user";
  const userId = await client.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        name: name.slice(0, 100),
        email,
        image: signIn.profile.image ?? null,
        accounts: {
          create: {
            provider: signIn.provider,
            providerAccountId: signIn.providerAccountId,
            type: signIn.type,
          },
        },
      },
    });
    const team = await tx.team.create({
      data: {
        name: personalTeamName(user.name ?? name),
        slug: teamSlug(name),
        personal: true,
        memberships: { create: { userId: user.id, role: "owner" } },
      },
    });
    await onboardNewTeam(tx, { teamId: team.id, userId: user.id });
    return user.id;
  });
  return { ok: true, userId };
}
