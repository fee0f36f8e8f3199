import { readFileSync } from "node:fs";
import { buildAgent } from "~/agents/build-agent";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { ReplayModel } from "~/agents/models/replay-model";
import { caseFromRun } from "~/eval/recording";
import { type EvalHost, runCase, runTestSet } from "~/eval/run-test-set";
import { type TestCase, type TestSet, testSetSchema } from "~/eval/test-set";
import type { AgentSpec, TranscriptItem } from "~/graph/agent-spec";
import { compile } from "~/graph/compile";
import { parseWorkflowFile } from "~/graph/import";
import { StubExecutor } from "../engine/stub-executor";

/**
 * Evaluation overhead: 100 replay cases of a three-step code agent (the grocer workflow of
 * tests/fixtures/eval) in one process, each with four checks (exact, contains, regex, JSON Schema)
 * and its recorded steps to compare. The same 100 runs are first timed bare — built, replayed and
 * their events consumed, as the evaluation does — so the difference is what evaluating adds per case
 * (checks, step trace and comparison, usage, results). Code actions go to the in-memory stub
 * executor: Python is the sandbox bench's to measure. With `--python N`, N more cases each with one
 * Python check on a warm Pyodide pool show what such a check costs.
 *
 *   npx tsx bench/eval/eval-bench.ts [--rounds 5] [--python 20]
 */

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = argument("--rounds", 5);
const pythonCases = argument("--python", 0);
const caseCount = 100;

function grocerSpec(): AgentSpec {
  const imported = parseWorkflowFile(readFileSync("tests/fixtures/eval/grocer-workflow.json", "utf8"));
  if (!imported.ok) throw new Error(imported.message);
  const compiled = compile(imported.document);
  if (!compiled.ok) throw new Error(compiled.issues.map((issue) => issue.message).join("; "));
  return compiled.spec;
}

const transcript = (n: number): TranscriptItem[] => [
  `Thought: list basket ${n}\n<code>\nitems = ["apple", "pear"] * ${n}\nprint(len(items))\n</code>`,
  `Thought: price basket ${n}\n<code>\nprices = [unit_price(i) for i in items]\nprint(prices)\n</code>`,
  `Thought: add up basket ${n}\n<code>\nfinal_answer(sum(prices))\n</code>`,
];

const spec = grocerSpec();
const stubHost: EvalHost = {
  agent: { resolveSecret: async () => undefined, createExecutor: async () => new StubExecutor() },
  checks: {
    createSandbox: () => Promise.reject(new Error("no Python checks in this set")),
    createJudgeModel: () => Promise.reject(new Error("no judge checks in this set")),
  },
};

/** The bare runs: what the evaluation runs, without checks, traces or results. */
async function bareRuns(cases: readonly TestCase[], concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const testCase = cases[next++];
      if (!testCase?.recording) return;
      const agent = await buildAgent(spec, {
        ...stubHost.agent,
        modelOverride: new ReplayModel(testCase.recording.transcript, {
          modelId: `replay:${testCase.recording.model}`,
        }),
      });
      const run = agent.run(testCase.task, { stream: true });
      const events: unknown[] = [];
      for await (const event of run) events.push(event);
      await run.result;
      await agent.close();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

async function recordedSet(): Promise<TestSet> {
  const cases: TestCase[] = [];
  for (let n = 1; n <= caseCount; n++) {
    const live = testSetSchema.parse({
      cases: [
        {
          id: `live-${n}`,
          task: `Price basket ${n}`,
          recording: { model: "gpt-4o-mini", transcript: transcript(n) },
        },
      ],
    }).cases[0] as TestCase;
    const result = await runCase(spec, live, stubHost, { keepEvents: true });
    cases.push(
      caseFromRun({ id: `basket-${n}`, task: live.task, events: result.events ?? [] }, [
        { kind: "exact", expected: "done" },
        { kind: "contains", expected: "DON" },
        { kind: "regex", pattern: "^d\\w+e$" },
        { kind: "jsonSchema", schema: { type: "string", minLength: 1 } },
      ]),
    );
  }
  return testSetSchema.parse({ name: "bench", cases });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main() {
  const set = await recordedSet();
  const rows: Record<string, number | string>[] = [];
  for (const concurrency of [1, 4]) {
    // Warm both paths once before timing.
    await bareRuns(set.cases.slice(0, 10), concurrency);
    await runTestSet(spec, { ...set, cases: set.cases.slice(0, 10) }, stubHost, { concurrency });
    const bare: number[] = [];
    const evaluated: number[] = [];
    let passed = 0;
    for (let round = 0; round < rounds; round++) {
      bare.push(await bareRuns(set.cases, concurrency));
      const started = performance.now();
      const { summary } = await runTestSet(spec, set, stubHost, { concurrency });
      evaluated.push(performance.now() - started);
      passed = summary.passed;
    }
    const bareMs = median(bare);
    const evalMs = median(evaluated);
    rows.push({
      concurrency,
      cases: set.cases.length,
      passed,
      bareRunsMs: Number(bareMs.toFixed(1)),
      evaluationMs: Number(evalMs.toFixed(1)),
      overheadPerCaseMs: Number(((evalMs - bareMs) / set.cases.length).toFixed(3)),
      evaluationPerCaseMs: Number((evalMs / set.cases.length).toFixed(3)),
    });
    console.log(
      `concurrency ${concurrency}: ${set.cases.length} replay cases (${passed} passed), bare runs ${ms(bareMs)}, evaluation ${ms(evalMs)} wall (median of ${rounds}); overhead per case ${((evalMs - bareMs) / set.cases.length).toFixed(3)} ms`,
    );
  }
  if (pythonCases > 0) {
    const pool = new PyodidePool({ size: 2 });
    await pool.warm(2);
    const pythonSet = testSetSchema.parse({
      name: "python",
      cases: set.cases.slice(0, pythonCases).map((testCase) => ({
        ...testCase,
        checks: [
          {
            kind: "python",
            source: "def check(answer, run):\n    return run['steps'] == 3 and answer == 'done'",
          },
        ],
      })),
    });
    const host: EvalHost = {
      ...stubHost,
      checks: {
        ...stubHost.checks,
        createSandbox: () => createExecutor({ kind: "pyodide" }, { pyodidePool: pool }),
      },
    };
    const started = performance.now();
    const { summary } = await runTestSet(spec, pythonSet, host, { concurrency: 2 });
    const wall = performance.now() - started;
    await pool.close();
    rows.push({
      pythonCases,
      passed: summary.passed,
      wallMs: Number(wall.toFixed(1)),
      perCaseMs: Number((wall / pythonCases).toFixed(1)),
    });
    console.log(
      `Python check on a warm Pyodide pool (2): ${pythonCases} cases (${summary.passed} passed) in ${ms(wall)}, ${ms(wall / pythonCases)} a case`,
    );
  }
  console.log(JSON.stringify({ bench: "eval", date: new Date().toISOString(), rounds, rows }));
}

await main();
