import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { replayDuration, replayVisibleCount } from "~/lib/run-replay";

const at = (ts: number[]): RunEvent[] =>
  ts.map((t, seq) => ({ type: "step_started", stepNumber: 1, runId: "r", agentPath: ["a"], seq, ts: t }));

describe("replay", () => {
  const events = at([5000, 5000, 5100, 7000, 6900, 9000]);

  it("shows the events that had happened by a point in run time", () => {
    expect(replayVisibleCount(events, 0)).toBe(2);
    expect(replayVisibleCount(events, 99)).toBe(2);
    expect(replayVisibleCount(events, 100)).toBe(3);
    expect(replayVisibleCount(events, 2000)).toBe(5);
    expect(replayVisibleCount(events, 4000)).toBe(6);
    expect(replayVisibleCount([], 1000)).toBe(0);
  });

  it("never skips an event whose timestamp went backwards", () => {
    expect(replayVisibleCount(events, 1950)).toBe(3);
  });

  it("lasts from the first event to the last", () => {
    expect(replayDuration(events)).toBe(4000);
    expect(replayDuration([])).toBe(0);
  });
});
