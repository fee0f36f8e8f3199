import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { accumulateUsage, emptyUsage, findPrice } from "~/lib/run-usage";
import * as serverPricing from "~/server/runs/pricing";

const base = { runId: "r", ts: 0 };
const events: RunEvent[] = [
  {
    ...base,
    seq: 0,
    agentPath: ["m"],
    type: "run_started",
    task: "t",
    agentType: "code",
    modelId: "replay:gpt-4o-mini",
    maxSteps: 3,
  },
  {
    ...base,
    seq: 1,
    agentPath: ["m"],
    type: "model_output",
    stepNumber: 1,
    content: "",
    toolCalls: [],
    durationMs: 1,
    tokenUsage: { inputTokens: 1_000_000, outputTokens: 1_000_000 },
  },
  {
    ...base,
    seq: 2,
    agentPath: ["m", "w"],
    type: "run_started",
    task: "t",
    agentType: "code",
    modelId: "my-local-model",
    maxSteps: 3,
  },
  {
    ...base,
    seq: 3,
    agentPath: ["m", "w"],
    type: "model_output",
    stepNumber: 1,
    content: "",
    toolCalls: [],
    durationMs: 1,
    tokenUsage: { inputTokens: 10, outputTokens: 5 },
  },
];

describe("run usage", () => {
  it("is the one implementation the server re-exports", () => {
    expect(serverPricing.accumulateUsage).toBe(accumulateUsage);
  });

  it("prices replay models as the model they stand in for, and unknown models as null", () => {
    expect(findPrice("replay:gpt-4o-mini")?.model).toBe("gpt-4o-mini");
    const known = accumulateUsage(emptyUsage(), events.slice(0, 2));
    expect(known.total).toEqual({ inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: 0.75 });
    const all = accumulateUsage(emptyUsage(), events);
    expect(all.total.costUsd).toBeNull();
    expect(all.byAgent["m/w"]).toEqual({
      model: "my-local-model",
      inputTokens: 10,
      outputTokens: 5,
      costUsd: null,
    });
    expect(all.byModel["replay:gpt-4o-mini"]?.costUsd).toBe(0.75);
  });

  it("folds batch by batch to the same totals as all at once, and uses team prices first", () => {
    const team = [{ model: "my-local-model", inputUsdPerMillion: 1_000_000, outputUsdPerMillion: 0 }];
    const once = accumulateUsage(emptyUsage(), events, team);
    let stepwise = emptyUsage();
    for (const event of events) stepwise = accumulateUsage(stepwise, [event], team);
    expect(stepwise).toEqual(once);
    expect(once.total.costUsd).toBeCloseTo(10.75, 10);
  });
});
