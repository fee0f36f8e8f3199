"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { RouterOutputs } from "~/trpc/react";

/** The team the app is working in, as loaded by the app layout. */
export type CurrentTeam = NonNullable<RouterOutputs["team"]["current"]>;

const TeamContext = createContext<CurrentTeam | null>(null);

/** Makes the current team available to client components under the app layout. */
export function TeamProvider({ team, children }: { team: CurrentTeam; children: ReactNode }) {
  return <TeamContext.Provider value={team}>{children}</TeamContext.Provider>;
}

/** The current team; only valid under the app layout. */
export function useCurrentTeam(): CurrentTeam {
  const team = useContext(TeamContext);
  if (!team) throw new Error("useCurrentTeam must be used under <TeamProvider>");
  return team;
}
