import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { RunContext } from "~/agents/run-context";
import { accumulateUsage, emptyUsage, type RunUsage } from "~/lib/run-usage";

/**
 * Model ids and agent names are user data: `__proto__`, `constructor` or `toString` as a key of usage
 * accounting must neither pollute Object.prototype nor crash nor be lost, whether the tally is fresh,
 * cloned (the worker's structuredClone) or read back from JSON (a stored run).
 */
const hostileKeys = ["__proto__", "constructor", "toString", "hasOwnProperty"];

function eventsFor(key: string): RunEvent[] {
  const base = { runId: "r", ts: 0, agentPath: [key] };
  return [
    {
      ...base,
      seq: 0,
      type: "run_started",
      task: "t",
      agentType: "code",
      modelId: key,
      maxSteps: 3,
    },
    {
      ...base,
      seq: 1,
      type: "model_output",
      stepNumber: 1,
      content: "",
      toolCalls: [],
      durationMs: 1,
      tokenUsage: { inputTokens: 7, outputTokens: 3 },
    },
  ];
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();

describe("prototype keys in usage accounting", () => {
  const before = prototypeKeys();

  for (const key of hostileKeys) {
    it(`counts an agent and a model named ${key} like any other`, () => {
      const [started, output] = eventsFor(key) as [RunEvent, RunEvent];
      const fresh = accumulateUsage(emptyUsage(), [started]);
      // The worker clones its tally before each batch; a stored run comes back through JSON.
      const cloned = accumulateUsage(structuredClone(fresh), [output]);
      const stored = JSON.parse(JSON.stringify(accumulateUsage(emptyUsage(), [started]))) as RunUsage;
      const reloaded = accumulateUsage(stored, [output]);
      for (const usage of [cloned, reloaded]) {
        expect(usage.total).toEqual({ inputTokens: 7, outputTokens: 3, costUsd: null });
        expect(Object.entries(usage.byAgent)).toEqual([
          [key, { model: key, inputTokens: 7, outputTokens: 3, costUsd: null }],
        ]);
        expect(Object.entries(usage.byModel)).toEqual([
          [key, { inputTokens: 7, outputTokens: 3, costUsd: null }],
        ]);
        expect(JSON.parse(JSON.stringify(usage)).byAgent[key].inputTokens).toBe(7);
      }
      expect(prototypeKeys()).toEqual(before);
      expect(({} as Record<string, unknown>).inputTokens).toBeUndefined();
    });

    it(`keeps per-agent token usage of an agent named ${key} in the run context`, () => {
      const context = new RunContext({ sink: () => {} });
      context.addUsage([key], { inputTokens: 2, outputTokens: 1 });
      context.addUsage([key, "helper"], { inputTokens: 1, outputTokens: 1 });
      expect(context.usageUnder([key])).toEqual({ inputTokens: 3, outputTokens: 2 });
      expect(Object.keys(context.usageByAgent).sort()).toEqual([key, `${key}/helper`].sort());
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(prototypeKeys()).toEqual(before);
    });
  }
});
