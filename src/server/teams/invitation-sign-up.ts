import "server-only";
import { type FieldIssue, type SignUpInput, signUp } from "~/server/auth/sign-up";
import { db as defaultDb } from "~/server/db";
import { acceptInvitation, inspectInvitation, invitationRefusals } from "./invitations";

/** The outcome of signing up through an invitation link. */
export type InvitationSignUpResult =
  | { ok: true; userId: string; teamId: string; email: string }
  | { ok: false; issues: FieldIssue[] };

/**
 * Create an account from an invitation link and join the team: the account's e-mail is the invited
 * address, and a valid link counts as an invitation for SIGNUP=invite. The new person also gets their
 * personal team, like every sign-up.
 */
export async function signUpWithInvitation(
  token: string,
  input: Omit<SignUpInput, "email">,
  client = defaultDb,
  ip: string | null = null,
): Promise<InvitationSignUpResult> {
  const view = await inspectInvitation(client, token);
  if (view.state !== "valid")
    return { ok: false, issues: [{ field: "form", message: invitationRefusals[view.state] }] };
  const created = await signUp({ ...input, email: view.email }, client, { invitationAccepted: true });
  if (!created.ok) return created;
  const accepted = await acceptInvitation(client, token, { id: created.userId, email: view.email }, { ip });
  if (!accepted.ok) return { ok: false, issues: [{ field: "form", message: accepted.message }] };
  return { ok: true, userId: created.userId, teamId: accepted.teamId, email: view.email };
}
