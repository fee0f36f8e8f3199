import type { AgentRun } from "~/agents/agent-run";
import { type BuildAgentDeps, buildAgent } from "~/agents/build-agent";
import type { RunEvent, RunState } from "~/agents/events";
import { ReplayModel } from "~/agents/models/replay-model";
import type { AgentSpec } from "~/graph/agent-spec";
import { accumulateUsage, emptyUsage, type ModelPrice } from "~/lib/run-usage";
import {
  type CaseRunOutcome,
  type CheckDeps,
  type CheckResult,
  CheckSandbox,
  evaluateChecks,
} from "./evaluate-checks";
import type { TestCase, TestSet, TraceStep } from "./test-set";
import { type Divergence, divergenceInWords, firstDivergence, traceFromEvents } from "./trace";

/**
 * Running a test set against an agent spec (a compiled workflow version), engine-level: each case is
 * one engine run — a replay case with its recorded model answers instead of the spec's models —
 * then its checks, and for a replay case the comparison of its steps with the recorded ones.
 * No web, no database: the server's evaluation runs and the command line both build on this.
 */

/** What running cases needs from its host. */
export interface EvalHost {
  /** How agents are built (secrets, sandboxes, network policy); the model is replaced for replay cases. */
  agent: Omit<BuildAgentDeps, "modelOverride">;
  /** How checks run (sandbox for Python checks, judge models). */
  checks: Omit<CheckDeps, "signal" | "prices">;
  /** A team's price table; the defaults otherwise. */
  prices?: readonly ModelPrice[];
}

/** The result of one case. */
export interface CaseResult {
  id: string;
  task: string;
  /** Whether the case's model answers were replayed from its recording. */
  replayed: boolean;
  /** The run ended in success, every check passed, and a replay kept to its recording. */
  passed: boolean;
  /** Why the case failed, one sentence each (empty when it passed). */
  failures: string[];
  /** "not run" when the agent could not be built. */
  state: RunState | "not run";
  answer: unknown;
  checks: CheckResult[];
  /** Action steps of the root agent. */
  steps: number;
  inputTokens: number;
  outputTokens: number;
  /** The run's cost (judges apart); null when a model's price is unknown. */
  costUsd: number | null;
  latencyMs: number;
  error?: string;
  /** For a replay case with recorded steps: where the replay first left them. */
  divergence?: Divergence;
  /** Tokens and cost of the case's judge checks, apart from the run's. */
  judge: { inputTokens: number; outputTokens: number; costUsd: number | null };
  /** The run's steps as replay compares them (for side-by-side views and new recordings). */
  trace: TraceStep[];
  /** The run's events, when asked for (`keepEvents`). */
  events?: RunEvent[];
}

export interface RunCaseOptions {
  signal?: AbortSignal;
  /** Keep every event of the run in the result (to record it, or to show it). */
  keepEvents?: boolean;
  /** The Python checks' sandbox to share (a set run passes one); else the case makes its own. */
  checkSandbox?: CheckSandbox;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The run's extra values: the case's, with any audio as the value `audio` (as the worker does). */
function extraValues(testCase: TestCase): Record<string, unknown> | undefined {
  const extra = { ...testCase.additionalArgs, ...(testCase.audio?.length ? { audio: testCase.audio } : {}) };
  return Object.keys(extra).length ? extra : undefined;
}

/** Run one case against a spec and check it. Never throws but for cancellation through `signal`. */
export async function runCase(
  spec: AgentSpec,
  testCase: TestCase,
  host: EvalHost,
  options: RunCaseOptions = {},
): Promise<CaseResult> {
  const recording = testCase.recording;
  const started = performance.now();
  let run: AgentRun;
  let close: () => Promise<void>;
  try {
    const agent = await buildAgent(spec, {
      ...host.agent,
      ...(recording
        ? { modelOverride: new ReplayModel(recording.transcript, { modelId: `replay:${recording.model}` }) }
        : {}),
    });
    close = () => agent.close();
    run = agent.run(testCase.task, {
      stream: true,
      signal: options.signal,
      ...(testCase.images?.length ? { images: testCase.images } : {}),
      ...(extraValues(testCase) ? { additionalArgs: extraValues(testCase) } : {}),
    });
  } catch (error) {
    const reason = `the agent could not be built: ${message(error)}`;
    return {
      ...notRun(testCase, reason),
      costUsd: null,
      latencyMs: Math.round(performance.now() - started),
      error: reason,
    };
  }
  const events: RunEvent[] = [];
  try {
    for await (const event of run) events.push(event);
  } finally {
    await close();
  }
  const result = await run.result;
  const latencyMs = Math.round(performance.now() - started);
  options.signal?.throwIfAborted();
  const usage = accumulateUsage(emptyUsage(), events, host.prices);
  const lastError = result.errors.at(-1)?.message;
  const scored = await scoreRun(
    testCase,
    {
      answer: result.output ?? undefined,
      state: result.state,
      steps: result.steps.filter((step) => step.type === "action").length,
      inputTokens: usage.total.inputTokens,
      outputTokens: usage.total.outputTokens,
      costUsd: usage.total.costUsd,
      latencyMs,
      ...(result.state === "success" || lastError === undefined ? {} : { error: lastError }),
    },
    events,
    {
      ...host.checks,
      prices: host.prices,
      signal: options.signal,
      ...(options.checkSandbox ? { sandbox: options.checkSandbox } : {}),
    },
  );
  return { ...scored, ...(options.keepEvents ? { events } : {}) };
}

/** How a case's run ended, as scoring reads it: the engine's result here, a stored run on the server. */
export type EndedRun = Omit<CaseRunOutcome, "toolCalls">;

/**
 * Score a case's ended run from its events: its checks, for a replay case where it left its
 * recording, the reasons it failed, and its judges' usage. The one scoring path of the command line
 * (`runCase`) and the server's evaluations. Never throws but for cancellation through `deps.signal`.
 */
export async function scoreRun(
  testCase: TestCase,
  ended: EndedRun,
  events: readonly RunEvent[],
  deps: CheckDeps,
): Promise<CaseResult> {
  const recording = testCase.recording;
  const outcome: CaseRunOutcome = {
    ...ended,
    toolCalls: events.flatMap((event) => (event.type === "tool_call" ? [event.toolCall.name] : [])),
  };
  const checks = await evaluateChecks(testCase.checks, testCase.task, outcome, deps);
  const trace = traceFromEvents(events);
  const divergence = recording?.steps.length ? firstDivergence(recording.steps, trace) : undefined;
  const failures = [
    ...(ended.state === "success"
      ? []
      : [
          `the run ended ${ended.state === "max_steps" ? "at its step limit" : `in ${ended.state}`}${ended.error ? `: ${ended.error}` : ""}`,
        ]),
    ...checks.filter((check) => !check.passed).map((check) => `${check.label}: ${check.reason}`),
    ...(divergence ? [`the replay diverged at ${divergenceInWords(divergence)}`] : []),
  ];
  const judge = checks.reduce(
    (sum, check) =>
      check.judge
        ? {
            inputTokens: sum.inputTokens + check.judge.inputTokens,
            outputTokens: sum.outputTokens + check.judge.outputTokens,
            costUsd:
              sum.costUsd === null || check.judge.costUsd === null ? null : sum.costUsd + check.judge.costUsd,
          }
        : sum,
    { inputTokens: 0, outputTokens: 0, costUsd: 0 as number | null },
  );
  return {
    id: testCase.id,
    task: testCase.task,
    replayed: recording !== undefined,
    judge,
    passed: failures.length === 0,
    failures,
    state: ended.state,
    answer: ended.answer,
    checks,
    steps: ended.steps,
    inputTokens: ended.inputTokens,
    outputTokens: ended.outputTokens,
    costUsd: ended.costUsd,
    latencyMs: ended.latencyMs,
    ...(ended.error ? { error: ended.error } : {}),
    ...(divergence ? { divergence } : {}),
    trace,
  };
}

/** The figures of a set's results. */
export interface EvalSummary {
  cases: number;
  passed: number;
  failed: number;
  /** passed / cases (0 for an empty set). */
  passRate: number;
  inputTokens: number;
  outputTokens: number;
  /** null when some model's price is unknown. */
  costUsd: number | null;
  judgeCostUsd: number | null;
  latencyP50Ms: number;
  latencyP95Ms: number;
  steps: number;
}

/** Nearest-rank percentile of a list of numbers (0 when empty). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Pass rate, tokens, cost, latency p50/p95 and steps of a set's results. */
export function summarize(results: readonly CaseResult[]): EvalSummary {
  const passed = results.filter((result) => result.passed).length;
  const addCost = (sum: number | null, cost: number | null) =>
    sum === null || cost === null ? null : sum + cost;
  return {
    cases: results.length,
    passed,
    failed: results.length - passed,
    passRate: results.length ? passed / results.length : 0,
    inputTokens: results.reduce((sum, result) => sum + result.inputTokens, 0),
    outputTokens: results.reduce((sum, result) => sum + result.outputTokens, 0),
    costUsd: results.reduce<number | null>((sum, result) => addCost(sum, result.costUsd), 0),
    judgeCostUsd: results.reduce<number | null>((sum, result) => addCost(sum, result.judge.costUsd), 0),
    latencyP50Ms: percentile(
      results.map((result) => result.latencyMs),
      0.5,
    ),
    latencyP95Ms: percentile(
      results.map((result) => result.latencyMs),
      0.95,
    ),
    steps: results.reduce((sum, result) => sum + result.steps, 0),
  };
}

export interface RunTestSetOptions extends RunCaseOptions {
  /** Cases run at once (default 4). */
  concurrency?: number;
  /** Called as each case finishes (results live as cases finish). */
  onCase?: (result: CaseResult, index: number) => void;
  /**
   * The most the set may spend (runs and judges, USD): once reached, no case starts (cases under
   * way finish) and the rest end "not run". Cost of models with no known price counts as 0.
   */
  maxCostUsd?: number;
}

/** A case that was not started, and why. */
export function notRun(testCase: TestCase, reason: string): CaseResult {
  return {
    id: testCase.id,
    task: testCase.task,
    replayed: testCase.recording !== undefined,
    passed: false,
    failures: [reason],
    state: "not run",
    answer: undefined,
    checks: [],
    steps: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    judge: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    trace: [],
  };
}

/** Run every case of a set, `concurrency` at a time, within `maxCostUsd`; results in the set's order. */
export async function runTestSet(
  spec: AgentSpec,
  set: TestSet,
  host: EvalHost,
  options: RunTestSetOptions = {},
): Promise<{ results: CaseResult[]; summary: EvalSummary; spentUsd: number; stoppedByCostCap: boolean }> {
  const results: CaseResult[] = new Array(set.cases.length);
  // One sandbox for the Python checks of every case (made only if a case has one).
  const own = options.checkSandbox ? undefined : new CheckSandbox(host.checks.createSandbox);
  const checkSandbox = options.checkSandbox ?? (own as CheckSandbox);
  let next = 0;
  let spentUsd = 0;
  let stoppedByCostCap = false;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const testCase = set.cases[index];
      if (!testCase) return;
      options.signal?.throwIfAborted();
      const capped = options.maxCostUsd !== undefined && spentUsd >= options.maxCostUsd;
      stoppedByCostCap ||= capped;
      const result = capped
        ? notRun(
            testCase,
            `not run: the set's cost cap of $${options.maxCostUsd} was reached ($${spentUsd.toFixed(6)} spent)`,
          )
        : await runCase(spec, testCase, host, { ...options, checkSandbox });
      spentUsd += (result.costUsd ?? 0) + (result.judge.costUsd ?? 0);
      results[index] = result;
      options.onCase?.(result, index);
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 4, set.cases.length));
  try {
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    await own?.close();
  }
  return { results, summary: summarize(results), spentUsd, stoppedByCostCap };
}
