import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { api } from "~/trpc/server";

/** The cookie remembering which of their teams a user last chose. */
export const TEAM_COOKIE = "troupe.team";

/**
 * The team this request works in: the one chosen in the team switcher if the user still belongs to it,
 * otherwise their personal team. Membership is re-read on every request.
 */
export const currentTeam = cache(async () => {
  const preferredTeamId = (await cookies()).get(TEAM_COOKIE)?.value;
  return (await api()).team.current({ preferredTeamId });
});
