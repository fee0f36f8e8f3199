import type { RunEvent } from "~/agents/events";

/** Replay speeds the run page offers. */
export const REPLAY_SPEEDS = [1, 4, 16] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** Milliseconds from the first event to the last, in the run's own time. */
export function replayDuration(events: readonly RunEvent[]): number {
  const first = events[0];
  const last = events.at(-1);
  return first && last ? Math.max(0, last.ts - first.ts) : 0;
}

/**
 * How many events (a prefix, in seq order) have happened `elapsedMs` of run time after the first
 * one: a replay shows exactly these. Timestamps that go backwards never hide a later event's
 * predecessors, because the prefix stops at the first event still in the future.
 */
export function replayVisibleCount(events: readonly RunEvent[], elapsedMs: number): number {
  const first = events[0];
  if (!first) return 0;
  let count = 0;
  while (count < events.length && events[count]!.ts - first.ts <= elapsedMs) count++;
  return count;
}
