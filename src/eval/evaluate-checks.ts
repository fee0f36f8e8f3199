import { runInNewContext } from "node:vm";
import { z } from "zod";
import type { RunState } from "~/agents/events";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import { stringify } from "~/agents/memory";
import type { ChatMessage, Model } from "~/agents/models/model";
import type { ModelSpec } from "~/graph/agent-spec";
import { findPrice, type ModelPrice } from "~/lib/run-usage";
import type { CaseCheck } from "./test-set";

/**
 * Check evaluation: a run's outcome and a case's checks → pass or fail per check, with the reason in
 * words. Engine-level: no web, no database. Python checks run in a sandbox the caller makes (Pyodide
 * by default: a check is code someone wrote, treated like model code); judge checks call a model the
 * caller builds from the check's spec, and their tokens and cost are reported apart from the run's.
 */

/** What the checks see of a finished run. */
export interface CaseRunOutcome {
  /** The final answer (any JSON value), undefined when the run gave none. */
  answer: unknown;
  state: RunState;
  /** Action steps of the root agent. */
  steps: number;
  inputTokens: number;
  outputTokens: number;
  /** null when a model's price is unknown. */
  costUsd: number | null;
  latencyMs: number;
  /** The run's last error message, if it failed. */
  error?: string;
  /** Names of the tools called, in order (all agents of the tree). */
  toolCalls: string[];
}

/** Tokens and cost of a judge's call, apart from the run's. */
export interface JudgeUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** The verdict on one check. */
export interface CheckResult {
  kind: CaseCheck["kind"];
  label: string;
  passed: boolean;
  /** Why, in words ("the answer is \"392\", not \"391\""). */
  reason: string;
  /** Set for judge checks that reached their model. */
  judge?: JudgeUsage;
}

/** What evaluating checks needs from its host. */
export interface CheckDeps {
  /** A sandbox for Python checks (made on the first Python check; see `CheckSandbox`). */
  createSandbox(): Promise<PythonExecutor>;
  /**
   * The sandbox to share with other cases (a set run makes one for all its cases and closes it);
   * without it, `evaluateChecks` makes its own and closes it at its end.
   */
  sandbox?: CheckSandbox;
  /** The model of a judge check. */
  createJudgeModel(spec: ModelSpec): Promise<Model>;
  /** A team's price table (judge cost); the defaults otherwise. */
  prices?: readonly ModelPrice[];
  signal?: AbortSignal;
  /** Wall-clock limit of one Python check (default 30 s). */
  pythonTimeoutMs?: number;
}

const quote = (text: string, max = 120) =>
  JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);

/** The answer as text: strings as they are, anything else as JSON; no answer is "". */
export function answerText(answer: unknown): string {
  return answer === undefined || answer === null ? "" : stringify(answer);
}

/** How a check is named in results: its label, or what it checks. */
export function checkLabel(check: CaseCheck): string {
  if (check.label) return check.label;
  switch (check.kind) {
    case "exact":
      return `exact ${quote(check.expected, 40)}`;
    case "contains":
      return `contains ${quote(check.expected, 40)}`;
    case "regex":
      return `matches /${check.pattern.length > 40 ? `${check.pattern.slice(0, 40)}…` : check.pattern}/${check.flags}`;
    case "numeric":
      return `≈ ${check.expected}${check.tolerance ? ` ± ${check.tolerance}${check.relative ? " (relative)" : ""}` : ""}`;
    case "jsonSchema":
      return "JSON Schema";
    case "python":
      return "Python check";
    case "judge":
      return `judge (${check.model.model})`;
  }
}

const numberPattern = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** The number an answer gives: itself when a number, the whole text when numeric, else the last number in it. */
export function answerNumber(answer: unknown): number | undefined {
  if (typeof answer === "number") return Number.isFinite(answer) ? answer : undefined;
  const text = answerText(answer).trim();
  if (text === "") return undefined;
  const whole = Number(text);
  if (Number.isFinite(whole)) return whole;
  const last = text.match(numberPattern)?.at(-1);
  return last === undefined ? undefined : Number(last.replaceAll(",", ""));
}

/** A string holding JSON is parsed; anything else is the structured answer as it is. */
function structured(answer: unknown): unknown {
  if (typeof answer !== "string") return answer;
  try {
    return JSON.parse(answer);
  } catch {
    return answer;
  }
}

/** How long one regex check may match (test sets are written by other people; a pattern can backtrack for ever). */
export const REGEX_TIMEOUT_MS = 1000;

const timedOut = Symbol("timed out");

/**
 * The first match of a pattern in a text, or null, matched in a fresh V8 context with a time limit:
 * a catastrophic pattern (`^(a+)+$` on a long near-miss) is stopped instead of holding the process.
 */
function boundedMatch(pattern: string, flags: string, text: string): string | null | typeof timedOut {
  try {
    return runInNewContext(
      "(() => { const match = new RegExp(pattern, flags).exec(text); return match === null ? null : match[0]; })()",
      { pattern, flags, text },
      { timeout: REGEX_TIMEOUT_MS },
    ) as string | null;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return timedOut;
    throw error;
  }
}

function textCheck(
  check: Extract<CaseCheck, { kind: "exact" | "contains" | "regex" }>,
  answer: unknown,
): Omit<CheckResult, "kind" | "label"> {
  const text = answerText(answer);
  switch (check.kind) {
    case "exact": {
      const fold = (value: string) => {
        const trimmed = check.trim ? value.trim() : value;
        return check.caseSensitive ? trimmed : trimmed.toLowerCase();
      };
      return fold(text) === fold(check.expected)
        ? { passed: true, reason: "the answer is the expected text" }
        : { passed: false, reason: `the answer is ${quote(text)}, not ${quote(check.expected)}` };
    }
    case "contains": {
      const found = check.caseSensitive
        ? text.includes(check.expected)
        : text.toLowerCase().includes(check.expected.toLowerCase());
      return found
        ? { passed: true, reason: `the answer contains ${quote(check.expected, 60)}` }
        : {
            passed: false,
            reason: `the answer ${quote(text)} does not contain ${quote(check.expected, 60)}`,
          };
    }
    case "regex": {
      const match = boundedMatch(check.pattern, check.flags, text);
      if (match === timedOut) {
        return {
          passed: false,
          reason: `matching /${check.pattern}/${check.flags} took longer than ${REGEX_TIMEOUT_MS} ms and was stopped (a pattern that backtracks catastrophically?)`,
        };
      }
      return match !== null
        ? { passed: true, reason: `the answer matches at ${quote(match, 60)}` }
        : {
            passed: false,
            reason: `the answer ${quote(text)} does not match /${check.pattern}/${check.flags}`,
          };
    }
  }
}

function numericCheck(
  check: Extract<CaseCheck, { kind: "numeric" }>,
  answer: unknown,
): Omit<CheckResult, "kind" | "label"> {
  const value = answerNumber(answer);
  if (value === undefined)
    return { passed: false, reason: `the answer ${quote(answerText(answer))} has no number` };
  const allowed = check.relative ? Math.abs(check.expected) * check.tolerance : check.tolerance;
  const difference = Math.abs(value - check.expected);
  const within = difference <= allowed + Number.EPSILON * Math.max(1, Math.abs(check.expected));
  const bound = check.tolerance ? ` ± ${allowed}` : "";
  return within
    ? { passed: true, reason: `${value} is within ${check.expected}${bound}` }
    : {
        passed: false,
        reason: `${value} is ${difference} away from ${check.expected}${bound ? ` (allowed ${allowed})` : ""}`,
      };
}

/** Validators built from JSON Schemas, per schema object (a set's cases are checked against the same schemas many times). */
const validators = new WeakMap<object, z.ZodType>();

function jsonSchemaCheck(
  check: Extract<CaseCheck, { kind: "jsonSchema" }>,
  answer: unknown,
): Omit<CheckResult, "kind" | "label"> {
  if (answer === undefined) return { passed: false, reason: "the run gave no answer" };
  let validator = validators.get(check.schema);
  if (!validator) {
    validator = z.fromJSONSchema(check.schema as Parameters<typeof z.fromJSONSchema>[0]);
    validators.set(check.schema, validator);
  }
  const result = validator.safeParse(structured(answer));
  if (result.success) return { passed: true, reason: "the answer matches the JSON Schema" };
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(answer)"}: ${issue.message}`);
  return { passed: false, reason: `the answer does not match the JSON Schema: ${issues.join("; ")}` };
}

/** What a Python check gets as `run` (snake_case, JSON). */
function runForPython(outcome: CaseRunOutcome): Record<string, unknown> {
  return {
    answer: outcome.answer ?? null,
    state: outcome.state,
    steps: outcome.steps,
    input_tokens: outcome.inputTokens,
    output_tokens: outcome.outputTokens,
    cost_usd: outcome.costUsd,
    latency_ms: outcome.latencyMs,
    error: outcome.error ?? null,
    tool_calls: outcome.toolCalls,
  };
}

const verdictSchema = z.tuple([z.boolean(), z.string()]);

/** Runs the check's source and calls `check(answer, run)`, normalising its return to [passed, reason]. */
const pythonCall = `troupe_verdict = check(answer, run)
[bool(troupe_verdict[0]), str(troupe_verdict[1])] if isinstance(troupe_verdict, tuple) and len(troupe_verdict) == 2 else [bool(troupe_verdict), ""]`;

/**
 * The sandbox Python checks run in: made on first use, one check at a time (each sets `answer` and
 * `run`, runs its source afresh — redefining `check` — then calls it). A check that times out or
 * breaks the sandbox gets it thrown away; the next check gets a new one. Shared by the cases of a
 * set run, since booting a sandbox per case costs far more than the checks (bench/eval).
 */
export class CheckSandbox {
  private executor: Promise<PythonExecutor> | undefined;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly create: () => Promise<PythonExecutor>) {}

  /** Run one check's source and its `check(answer, run)`: pass or fail with the reason. */
  check(
    source: string,
    outcome: CaseRunOutcome,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<Omit<CheckResult, "kind" | "label">> {
    const result = this.turn.then(() => this.runCheck(source, outcome, options));
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async discard(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    if (executor) await (await executor.catch(() => undefined))?.close();
  }

  private async runCheck(
    source: string,
    outcome: CaseRunOutcome,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<Omit<CheckResult, "kind" | "label">> {
    options.signal?.throwIfAborted();
    this.executor ??= this.create();
    let executor: PythonExecutor;
    try {
      executor = await this.executor;
    } catch (error) {
      this.executor = undefined;
      return {
        passed: false,
        reason: `the sandbox could not start: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    await executor.setVariables({ answer: outcome.answer ?? null, run: runForPython(outcome) });
    const result = await executor.run(`${source}\n\n${pythonCall}`, options);
    if (result.error) {
      if (["Timeout", "MemoryLimit", "SandboxError", "Cancelled"].includes(result.error.type))
        await this.discard();
      if (result.error.type === "Timeout") return { passed: false, reason: "the check timed out" };
      if (result.error.type === "Cancelled") options.signal?.throwIfAborted();
      const type = result.error.pythonType ?? result.error.type;
      const message = result.error.message.startsWith(type)
        ? result.error.message
        : `${type}: ${result.error.message}`;
      return { passed: false, reason: `the check raised ${message.replace(/:\s*$/, "")}` };
    }
    const verdict = verdictSchema.safeParse(result.output);
    if (!verdict.success) return { passed: false, reason: "the check's result could not be read" };
    const [passed, why] = verdict.data;
    return {
      passed,
      reason:
        why ||
        (passed ? "check(answer, run) returned a true value" : "check(answer, run) returned a false value"),
    };
  }

  /** Close the sandbox (after the checks under way). */
  async close(): Promise<void> {
    await this.turn;
    await this.discard();
  }
}

/** The instructions a judge model gets before the task, the answer and the rubric. */
export const judgeInstructions =
  'You grade the answer an AI agent gave to a task, against a rubric. Read the task, the answer and the rubric, then reply with one JSON object and nothing else: {"pass": true or false, "reason": "one or two sentences"}.';

const judgeVerdictSchema = z.object({ pass: z.boolean(), reason: z.string().default("") });

/** The judge's verdict from its reply: the JSON object in it (code fences and text around it allowed). */
export function parseJudgeVerdict(reply: string): { pass: boolean; reason: string } | undefined {
  const match = /\{[\s\S]*\}/.exec(reply);
  if (!match) return undefined;
  try {
    const parsed = judgeVerdictSchema.safeParse(JSON.parse(match[0]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function judgeCheck(
  check: Extract<CaseCheck, { kind: "judge" }>,
  task: string,
  outcome: CaseRunOutcome,
  deps: CheckDeps,
): Promise<Omit<CheckResult, "kind" | "label">> {
  let model: Model;
  try {
    model = await deps.createJudgeModel(check.model);
  } catch (error) {
    return {
      passed: false,
      reason: `the judge model could not be built: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const messages: ChatMessage[] = [
    { role: "system", content: judgeInstructions },
    {
      role: "user",
      content: `Task:\n${task}\n\nAnswer:\n${answerText(outcome.answer) || "(no answer)"}\n\nRubric:\n${check.rubric}`,
    },
  ];
  let reply: string;
  let judge: JudgeUsage;
  try {
    const output = await model.generate(messages, { signal: deps.signal });
    reply = output.content;
    const { inputTokens, outputTokens } = output.tokenUsage;
    const price = findPrice(model.modelId, deps.prices);
    judge = {
      model: model.modelId,
      inputTokens,
      outputTokens,
      costUsd: price
        ? (inputTokens * price.inputUsdPerMillion + outputTokens * price.outputUsdPerMillion) / 1_000_000
        : null,
    };
  } catch (error) {
    return {
      passed: false,
      reason: `the judge could not be asked: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const verdict = parseJudgeVerdict(reply);
  if (!verdict)
    return { passed: false, reason: `the judge's reply is not a verdict: ${quote(reply)}`, judge };
  return {
    passed: verdict.pass,
    reason: `judge: ${verdict.reason || (verdict.pass ? "pass" : "fail")}`,
    judge,
  };
}

/**
 * Evaluate a case's checks against a run's outcome, in order. Never throws for a failing check or
 * a failing check host (sandbox, judge): those fail the check with the reason. A run that ended
 * without success still has its answer checked (a best answer after the step limit may pass).
 */
export async function evaluateChecks(
  checks: readonly CaseCheck[],
  task: string,
  outcome: CaseRunOutcome,
  deps: CheckDeps,
): Promise<CheckResult[]> {
  const own = deps.sandbox ? undefined : new CheckSandbox(deps.createSandbox);
  const sandbox = deps.sandbox ?? (own as CheckSandbox);
  const pythonOptions = { signal: deps.signal, timeoutMs: deps.pythonTimeoutMs ?? 30_000 };
  try {
    const results: CheckResult[] = [];
    for (const check of checks) {
      deps.signal?.throwIfAborted();
      const named = { kind: check.kind, label: checkLabel(check) };
      switch (check.kind) {
        case "exact":
        case "contains":
        case "regex":
          results.push({ ...named, ...textCheck(check, outcome.answer) });
          break;
        case "numeric":
          results.push({ ...named, ...numericCheck(check, outcome.answer) });
          break;
        case "jsonSchema":
          results.push({ ...named, ...jsonSchemaCheck(check, outcome.answer) });
          break;
        case "python":
          results.push({ ...named, ...(await sandbox.check(check.source, outcome, pythonOptions)) });
          break;
        case "judge":
          results.push({ ...named, ...(await judgeCheck(check, task, outcome, deps)) });
          break;
      }
    }
    return results;
  } finally {
    await own?.close();
  }
}
