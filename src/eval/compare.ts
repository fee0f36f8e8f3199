import type { CaseResult, EvalSummary } from "./run-test-set";
import { summarize } from "./run-test-set";
import type { TraceStep } from "./test-set";

/**
 * Two or more versions evaluated on the same set, side by side: the figures of each (pass rate, cost,
 * tokens, latency p50/p95, steps), which one is best on each figure, and per case what each version
 * answered, whether it passed, and its steps — what a comparison view and a CI summary show. Pure.
 */

/** One version's results on the set. */
export interface VersionResults {
  /** How the version is named ("v3", "grocer.json"). */
  label: string;
  results: readonly CaseResult[];
}

/** The figures compared, and whether more is better. */
export const comparedFigures = {
  passRate: "higher",
  costUsd: "lower",
  inputTokens: "lower",
  outputTokens: "lower",
  latencyP50Ms: "lower",
  latencyP95Ms: "lower",
  steps: "lower",
} as const satisfies Partial<Record<keyof EvalSummary, "higher" | "lower">>;
export type ComparedFigure = keyof typeof comparedFigures;

/** One case across the versions (in the order given; undefined where a version lacks the case). */
export interface CaseComparison {
  id: string;
  task: string;
  versions: (
    | { passed: boolean; answer: unknown; failures: string[]; steps: number; trace: TraceStep[] }
    | undefined
  )[];
  /** The versions do not all pass or all fail it. */
  differs: boolean;
}

export interface Comparison {
  versions: { label: string; summary: EvalSummary }[];
  /** Per figure, the index of the best version (undefined on a tie or an unknown figure, e.g. cost). */
  best: Record<ComparedFigure, number | undefined>;
  /** The version with the highest pass rate, then the lowest cost, then the fewest tokens; undefined on a tie. */
  winner: number | undefined;
  cases: CaseComparison[];
}

function bestIndex(values: (number | null)[], direction: "higher" | "lower"): number | undefined {
  if (values.some((value) => value === null)) return undefined;
  const numbers = values as number[];
  const best = direction === "higher" ? Math.max(...numbers) : Math.min(...numbers);
  const indexes = numbers.flatMap((value, index) => (value === best ? [index] : []));
  return indexes.length === 1 ? indexes[0] : undefined;
}

/** Compare versions' results on one set (cases matched by id, in the first version's order, then others'). */
export function compareVersions(versions: readonly VersionResults[]): Comparison {
  const summaries = versions.map((version) => ({
    label: version.label,
    summary: summarize(version.results),
  }));
  const best = Object.fromEntries(
    (Object.keys(comparedFigures) as ComparedFigure[]).map((figure) => [
      figure,
      bestIndex(
        summaries.map(({ summary }) => summary[figure]),
        comparedFigures[figure],
      ),
    ]),
  ) as Record<ComparedFigure, number | undefined>;
  const ranked = summaries
    .map(({ summary }, index) => ({
      index,
      key: [-summary.passRate, summary.costUsd ?? Infinity, summary.inputTokens + summary.outputTokens],
    }))
    .sort((a, b) => a.key.reduce((order, value, at) => order || value - (b.key[at] as number), 0));
  const [first, second] = ranked;
  const tied = first && second && first.key.every((value, at) => value === second.key[at]);
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const version of versions) {
    for (const result of version.results) {
      if (!seen.has(result.id)) {
        seen.add(result.id);
        ids.push(result.id);
      }
    }
  }
  const byId = versions.map((version) => new Map(version.results.map((result) => [result.id, result])));
  const cases = ids.map((id): CaseComparison => {
    const row = byId.map((results) => results.get(id));
    const present = row.filter((result): result is CaseResult => result !== undefined);
    return {
      id,
      task: present[0]?.task ?? "",
      versions: row.map((result) =>
        result
          ? {
              passed: result.passed,
              answer: result.answer,
              failures: result.failures,
              steps: result.steps,
              trace: result.trace,
            }
          : undefined,
      ),
      differs: present.length !== row.length || new Set(present.map((result) => result.passed)).size > 1,
    };
  });
  return { versions: summaries, best, winner: tied ? undefined : first?.index, cases };
}
