import { describe, expect, it } from "vitest";
import { MAX_DB_INT } from "~/graph/bounds";
import { runStatuses } from "~/lib/run-status";
import {
  runStatusUpdateSchema,
  runStreamEvents,
  runSubscribeAckSchema,
  runSubscribeSchema,
  runUnsubscribeSchema,
} from "~/lib/run-stream";

describe("the run stream's protocol", () => {
  it("names each message once, and no two alike", () => {
    const names = Object.values(runStreamEvents);
    expect(new Set(names).size).toBe(names.length);
    expect(runStreamEvents).toMatchObject({ subscribe: "run:subscribe", events: "run:events" });
  });

  it("subscribes from the start unless told the last seq held, within a database integer", () => {
    expect(runSubscribeSchema.parse({ runId: "r1" })).toEqual({ runId: "r1", afterSeq: -1 });
    expect(runSubscribeSchema.parse({ runId: "r1", afterSeq: 41 }).afterSeq).toBe(41);
    for (const bad of [
      { runId: "", afterSeq: 0 },
      { runId: "r".repeat(65) },
      { runId: "r1", afterSeq: -2 },
      { runId: "r1", afterSeq: MAX_DB_INT + 1 },
      { runId: "r1", afterSeq: 1.5 },
    ]) {
      expect(runSubscribeSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(runUnsubscribeSchema.safeParse({ runId: 7 }).success).toBe(false);
  });

  it("acknowledges with a known status and the last seq sent, or a refusal in words", () => {
    for (const status of runStatuses) {
      expect(runSubscribeAckSchema.parse({ ok: true, status, lastSeq: -1 })).toEqual({
        ok: true,
        status,
        lastSeq: -1,
      });
    }
    expect(runSubscribeAckSchema.parse({ ok: false, error: "Run not found." })).toEqual({
      ok: false,
      error: "Run not found.",
    });
    expect(runSubscribeAckSchema.safeParse({ ok: true, status: "paused", lastSeq: 3 }).success).toBe(false);
    expect(runSubscribeAckSchema.safeParse({ ok: false }).success).toBe(false);
  });

  it("carries a status change with its reason, which may be absent or null", () => {
    expect(runStatusUpdateSchema.parse({ runId: "r1", status: "running" })).toEqual({
      runId: "r1",
      status: "running",
    });
    expect(runStatusUpdateSchema.parse({ runId: "r1", status: "failed", error: null }).error).toBeNull();
    expect(runStatusUpdateSchema.safeParse({ runId: "r1", status: "cancelling" }).success).toBe(false);
  });
});
