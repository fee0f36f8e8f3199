"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { TEAM_COOKIE } from "./current-team";

/**
 * Remember the team chosen in the switcher. Only a preference: every request still checks membership, so
 * a cookie naming someone else's team falls back to the personal team.
 */
export async function selectTeamAction(teamId: string): Promise<void> {
  const parsed = z.string().min(1).max(64).safeParse(teamId);
  if (!parsed.success) return;
  (await cookies()).set(TEAM_COOKIE, parsed.data, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
}
