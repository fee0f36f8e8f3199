"use server";

import { TRPCError } from "@trpc/server";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { TEAM_COOKIE } from "~/app/(app)/current-team";
import { signIn } from "~/server/auth";
import type { AuthFormState } from "~/server/auth/actions";
import { SignInRateLimited } from "~/server/auth/config";
import { consumeSignUp, tooManyAttemptsMessage } from "~/server/auth/rate-limits";
import { CLIENT_ADDRESS_HEADER } from "~/server/client-address";
import { signUpWithInvitation } from "~/server/teams/invitation-sign-up";
import { api } from "~/trpc/server";

/** Work in the team just joined from the next page on. */
async function chooseTeam(teamId: string): Promise<void> {
  (await cookies()).set(TEAM_COOKIE, teamId, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
}

/** Accept an invitation as the signed-in user, then open the team's workflows. */
export async function acceptInvitationAction(
  token: string,
  _previous: AuthFormState,
): Promise<AuthFormState> {
  let teamId: string;
  try {
    teamId = (await (await api()).team.acceptInvitation({ token })).teamId;
  } catch (error) {
    if (error instanceof TRPCError) return { errors: { form: error.message } };
    throw error;
  }
  await chooseTeam(teamId);
  redirect("/workflows");
}

/**
 * Create an account from an invitation (the invited address; allowed even when SIGNUP=invite), join
 * the team, sign in and open its workflows. Counts against the sign-up rate limits like the sign-up form.
 */
export async function invitationSignUpAction(
  token: string,
  _previous: AuthFormState,
  formData: FormData,
): Promise<AuthFormState> {
  const name = String(formData.get("name") ?? "");
  const password = String(formData.get("password") ?? "");
  const values = { name };
  const invitation = await (await api()).team.invitation({ token });
  const email = invitation.state === "unknown" ? "" : invitation.email;
  const address = (await headers()).get(CLIENT_ADDRESS_HEADER) ?? "unknown";
  const limit = await consumeSignUp(address, email);
  if (!limit.ok)
    return { errors: { form: tooManyAttemptsMessage("sign-up", limit.retryAfterSeconds) }, values };
  const result = await signUpWithInvitation(token, { name, password }, undefined, address);
  if (!result.ok) {
    const errors: AuthFormState["errors"] = {};
    for (const issue of result.issues) errors[issue.field] ??= issue.message;
    return { errors, values };
  }
  await chooseTeam(result.teamId);
  try {
    await signIn("credentials", { email: result.email, password, redirectTo: "/workflows" });
  } catch (error) {
    // The account exists and is in the team; only the sign-in that follows was held back.
    if (!(error instanceof SignInRateLimited)) throw error;
    const wait = tooManyAttemptsMessage("sign-in", error.retryAfterSeconds);
    return { errors: { form: `Your account was created. ${wait}` }, values };
  }
  return {};
}
