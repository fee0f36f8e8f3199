/**
 * A run's status: the one list the database enum (`RunStatus` in prisma/schema.prisma, checked in
 * `src/server/runs/run-store.ts`), the API's filters and the pages' labels all follow. Browser-safe.
 */
export const runStatuses = [
  "queued",
  "running",
  "waiting_for_input",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
] as const;
export type RunStatus = (typeof runStatuses)[number];

/** The statuses a run never leaves. */
export const terminalRunStatuses = [
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
] as const satisfies readonly RunStatus[];

/** The statuses that hold one of a team's concurrent-run places, and that the runs list refreshes. */
export const inProgressRunStatuses = [
  "queued",
  "running",
  "waiting_for_input",
] as const satisfies readonly RunStatus[];

/** Whether a run in this status will change no more. */
export function isTerminal(status: string | undefined): boolean {
  return (terminalRunStatuses as readonly (string | undefined)[]).includes(status);
}

/** Each status in words, for badges and filters. */
export const runStatusLabels: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  waiting_for_input: "Waiting for input",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
};
