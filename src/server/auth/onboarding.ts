import "server-only";
import type { Prisma } from "~/server/db";

/**
 * What a new user's personal team receives when it is made, inside the sign-up transaction (the
 * first-run demo workflow, src/server/onboarding/demo-workflow.ts). Sign-up only calls the hook; the
 * process's wiring (src/server/main.ts) sets it, so auth depends on nothing above it. Shared through
 * globalThis with the code Next bundles (the sign-up form's server action runs there).
 */
export type OnboardNewTeam = (
  tx: Prisma.TransactionClient,
  team: { teamId: string; userId: string },
) => Promise<unknown>;

const key = Symbol.for("troupe.onboarding");
type Holder = { onboard?: OnboardNewTeam };
const globals = globalThis as Record<symbol, Holder | undefined>;
globals[key] ??= {};
const holder: Holder = globals[key];

/** Set (or, with undefined, clear) what every new personal team receives. */
export function setOnboarding(onboard: OnboardNewTeam | undefined): void {
  holder.onboard = onboard;
}

/** Give a personal team just made in `tx` what the wiring set; nothing when none was set. */
export async function onboardNewTeam(
  tx: Prisma.TransactionClient,
  team: { teamId: string; userId: string },
): Promise<void> {
  await holder.onboard?.(tx, team);
}
