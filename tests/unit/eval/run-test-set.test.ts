import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type EvalHost, runTestSet } from "~/eval/run-test-set";
import { testSetSchema } from "~/eval/test-set";
import { agentSpecSchema } from "~/graph/agent-spec";

/** A set run's bounds, on a tool-calling agent whose answers are replayed (no sandbox, no network). */

const spec = agentSpecSchema.parse(JSON.parse(readFileSync("tests/fixtures/eval/clerk-agent.json", "utf8")));
const host: EvalHost = {
  agent: {
    resolveSecret: async () => undefined,
    createExecutor: () => Promise.reject(new Error("this agent needs no sandbox")),
  },
  checks: {
    createSandbox: () => Promise.reject(new Error("no Python checks here")),
    createJudgeModel: () => Promise.reject(new Error("no judges here")),
  },
};
const answer = (text: string) => ({
  model: "gpt-4o-mini",
  transcript: [{ tool_calls: [{ name: "final_answer", arguments: { answer: text } }] }],
});
const set = testSetSchema.parse({
  cases: ["Paris", "Rome", "Madrid", "Berlin"].map((city) => ({
    id: city.toLowerCase(),
    task: `Name ${city}.`,
    recording: answer(city),
    checks: [{ kind: "exact", expected: city }],
  })),
});

describe("running a set", () => {
  it("starts no case once the cost cap is reached, and says why for the rest", async () => {
    const whole = await runTestSet(spec, set, host, { concurrency: 1 });
    const perCase = whole.results[0]?.costUsd ?? 0;
    expect(perCase).toBeGreaterThan(0);
    expect(whole).toMatchObject({ stoppedByCostCap: false, summary: { passed: 4 } });

    const capped = await runTestSet(spec, set, host, { concurrency: 1, maxCostUsd: perCase * 1.5 });
    expect(capped.stoppedByCostCap).toBe(true);
    expect(capped.results.map((result) => [result.id, result.state, result.passed])).toEqual([
      ["paris", "success", true],
      ["rome", "success", true],
      ["madrid", "not run", false],
      ["berlin", "not run", false],
    ]);
    expect(capped.results[2]?.failures[0]).toMatch(
      /^not run: the set's cost cap of \$[\d.e-]+ was reached \(\$[\d.]+ spent\)$/,
    );
    expect(capped.spentUsd).toBeCloseTo(
      (capped.results[0]?.costUsd ?? 0) + (capped.results[1]?.costUsd ?? 0),
      12,
    );
    expect(capped.summary).toMatchObject({ cases: 4, passed: 2, passRate: 0.5 });
  });

  it("reports every case as it finishes, and stops at cancellation", async () => {
    const seen: string[] = [];
    const controller = new AbortController();
    const run = runTestSet(spec, set, host, {
      concurrency: 1,
      signal: controller.signal,
      onCase: (result) => {
        seen.push(result.id);
        if (seen.length === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
    expect(seen).toEqual(["paris", "rome"]);
  });
});
