import { describe, expect, it } from "vitest";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import { isTerminal as isFinishedStatus } from "~/lib/run-status";

describe("run figures", () => {
  it("writes cost, saying when the price is unknown", () => {
    expect(formatCost(null)).toBe("price unknown");
    expect(formatCost(0)).toBe("$0.00");
    expect(formatCost(0.00001)).toBe("<$0.0001");
    expect(formatCost(0.001707)).toBe("$0.0017");
    expect(formatCost(1234.5)).toBe("$1,234.50");
  });

  it("writes tokens and durations", () => {
    expect(formatTokens(8440)).toBe("8,440");
    expect(formatTokens(12_345, true)).toBe("12.3k");
    expect(formatTokens(4_500_000, true)).toBe("4.5M");
    expect(formatDuration(45)).toBe("45 ms");
    expect(formatDuration(1250)).toBe("1.3 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(3_720_000)).toBe("1 h 02 min");
    expect(formatDuration(null)).toBe("–");
  });

  it("knows the terminal states", () => {
    expect(["queued", "running", "waiting_for_input"].some(isFinishedStatus)).toBe(false);
    expect(["succeeded", "failed", "cancelled", "timed_out"].every(isFinishedStatus)).toBe(true);
  });
});
