import { describe, expect, it } from "vitest";
import { compareVersions } from "~/eval/compare";
import type { CaseResult } from "~/eval/run-test-set";

/** Versions side by side: the best of each figure, the winner, the cases they disagree on. */

const result = (id: string, passed: boolean, figures: Partial<CaseResult> = {}): CaseResult => ({
  id,
  task: `task ${id}`,
  replayed: true,
  passed,
  failures: passed ? [] : ["wrong"],
  state: "success",
  answer: passed ? "right" : "wrong",
  checks: [],
  steps: 2,
  inputTokens: 100,
  outputTokens: 10,
  costUsd: 0.001,
  latencyMs: 50,
  judge: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  trace: [],
  ...figures,
});

describe("comparing versions on one set", () => {
  it("names the better version, the best of each figure, and the cases whose verdicts differ", () => {
    const comparison = compareVersions([
      { label: "v1", results: [result("a", true), result("b", false, { latencyMs: 10 }), result("c", true)] },
      {
        label: "v2",
        results: [result("a", true, { costUsd: 0.002, steps: 3 }), result("b", true), result("c", true)],
      },
    ]);
    expect(comparison.versions.map((version) => [version.label, version.summary.passRate])).toEqual([
      ["v1", 2 / 3],
      ["v2", 1],
    ]);
    expect(comparison.winner).toBe(1);
    expect(comparison.best).toEqual({
      passRate: 1,
      costUsd: 0,
      inputTokens: undefined,
      outputTokens: undefined,
      latencyP50Ms: undefined,
      latencyP95Ms: undefined,
      steps: 0,
    });
    expect(
      comparison.cases.map((row) => [row.id, row.differs, row.versions.map((version) => version?.answer)]),
    ).toEqual([
      ["a", false, ["right", "right"]],
      ["b", true, ["wrong", "right"]],
      ["c", false, ["right", "right"]],
    ]);
  });

  it("breaks a pass-rate tie on cost, then tokens; an unknown cost never wins, an exact tie has no winner", () => {
    const cheap = compareVersions([
      { label: "dear", results: [result("a", true, { costUsd: 0.01 })] },
      { label: "cheap", results: [result("a", true, { costUsd: 0.001 })] },
    ]);
    expect(cheap.winner).toBe(1);
    const unknown = compareVersions([
      { label: "unknown", results: [result("a", true, { costUsd: null })] },
      { label: "known", results: [result("a", true, { costUsd: 5 })] },
    ]);
    expect([unknown.winner, unknown.best.costUsd]).toEqual([1, undefined]);
    const tie = compareVersions([
      { label: "x", results: [result("a", true)] },
      { label: "y", results: [result("a", true)] },
    ]);
    expect(tie.winner).toBeUndefined();
  });

  it("keeps a case only one version has, marked as differing", () => {
    const comparison = compareVersions([
      { label: "old", results: [result("a", true)] },
      { label: "new", results: [result("a", true), result("z", true)] },
    ]);
    expect(
      comparison.cases.map((row) => [row.id, row.differs, row.versions.map((version) => version?.passed)]),
    ).toEqual([
      ["a", false, [true, true]],
      ["z", true, [undefined, true]],
    ]);
  });
});
