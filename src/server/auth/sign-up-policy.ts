import "server-only";
import { type Env, env } from "~/env";

/**
 * Who may create an account (SIGNUP): `open` — anyone; `invite` — only someone holding a valid
 * invitation; `closed` — nobody. Applies to the sign-up form and to the first OAuth sign-in of a
 * person the server does not know, which would create an account too.
 */
export type SignUpMode = Env["SIGNUP"];

const refusals: Record<Exclude<SignUpMode, "open">, string> = {
  invite:
    "Sign-up on this server is by invitation only. Open the invitation link you were sent, or ask a team admin for one.",
  closed: "Sign-up is closed on this server. Ask its administrator for an account.",
};

/**
 * Why a new account may not be created now, or null when it may. `invitationAccepted`: the person
 * arrived with an invitation link the caller has checked and found valid
 * (src/server/teams/invitation-sign-up.ts).
 */
export function signUpRefusal(
  options: { invitationAccepted?: boolean } = {},
  signUpMode: SignUpMode = env.SIGNUP,
): string | null {
  if (signUpMode === "open") return null;
  if (signUpMode === "invite" && options.invitationAccepted === true) return null;
  return refusals[signUpMode];
}
