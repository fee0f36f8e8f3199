import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { createModel } from "~/agents/models";
import { OutboundGuard } from "~/agents/net/guarded-fetch";
import { env } from "~/env";
import { type ComparedFigure, type Comparison, compareVersions } from "~/eval/compare";
import { caseFromRun } from "~/eval/recording";
import { type CaseResult, type EvalHost, type EvalSummary, runTestSet } from "~/eval/run-test-set";
import type { TestCase, TestSet } from "~/eval/test-set";
import { parseTestSetFile, serializeTestSet, testSetFormatOf } from "~/eval/test-set-files";
import { type AgentSpec, agentSpecSchema, type ExecutorSpec } from "~/graph/agent-spec";
import { compile } from "~/graph/compile";
import { parseWorkflowFile } from "~/graph/import";
import { withInstallationBaseUrl, withInstallationModel } from "~/graph/key-binding";
import { executorHostFromEnv } from "~/server/runs/executor-host";
import { compileWorkflow, RunStartError } from "~/server/runs/start-run";
import { cliSecrets } from "./cli-host";
import { readJsonFile } from "./read-json-file";

/**
 * `npm run eval -- --workflow <file|id> --set <file> [--version N|working] [--json] [--min-pass-rate 0.9]
 *  [--concurrency 4] [--record <file>] [--max-cost <usd>] [--executor pyodide|docker|local]
 *  [--secret NAME=value]...`
 *
 * Runs a test set (JSON, JSONL or CSV: src/eval/test-set-files.ts) against a workflow — an exported
 * workflow file ("Export JSON"), an agent spec file as `npm run agent` reads, or the id of a workflow
 * stored in the app's database (DATABASE_URL), compiled as a run of it starts (compileWorkflow):
 * its latest saved version, `--version N`, or `--version working` for the working copy — and prints a
 * table of the cases (checks, pass or fail, steps, tokens, cost, latency) or, with --json, one JSON
 * object. Replay cases play their recorded model answers: they need no network and no key. Exits 0 when
 * the pass rate reaches --min-pass-rate (default 1: every case), 1 below it, 2 when the command, the
 * workflow or the set is wrong (nothing is run then). Team secrets stay on the server: give a stored
 * workflow's secrets with --secret. `--max-cost` stops starting cases once a workflow's runs and judges have cost that much (USD).
 * `--record <file>` writes the set back with every case frozen from this run (a new baseline).
 * Several --workflow files are each evaluated on the set and compared (figures side by side, the
 * best of each, the cases they disagree on); the exit code is then about the last one, the candidate.
 */

const usage =
  "usage: npm run eval -- --workflow <workflow.json|workflow id> [--workflow <other.json|id>]... --set <cases.json|.jsonl|.csv> [--version N|working] [--json] [--min-pass-rate 0.9] [--concurrency 4] [--record <recorded.json|.jsonl|.csv>] [--max-cost 0.5] [--executor pyodide|docker|local] [--secret NAME=value]";

/** A mistake in the command, the workflow or the set: reported, nothing run, exit code 2. */
class InputError extends Error {}

/** The agent spec of a workflow file (exported workflow, or an agent spec), or an InputError naming the problem. */
function loadWorkflowSpec(path: string): AgentSpec {
  const name = basename(path);
  let raw: unknown;
  try {
    raw = readJsonFile(path);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const object =
    typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (object.format === "troupe.workflow" || Array.isArray(object.nodes)) {
    const imported = parseWorkflowFile(readFileSync(path, "utf8"));
    if (!imported.ok) throw new InputError(`${name}: ${imported.message}`);
    const compiled = compile(imported.document);
    if (!compiled.ok) {
      const problems = compiled.issues.slice(0, 5).map((issue) => issue.message);
      throw new InputError(`${name}: the workflow does not compile: ${problems.join("; ")}`);
    }
    return compiled.spec;
  }
  const parsed = agentSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new InputError(`${name}: neither an exported workflow nor an agent spec: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** A workflow id as the database stores them (cuid), told apart from a path that does not exist. */
const WORKFLOW_ID = /^[\w-]{1,64}$/;

/** `--version`: a saved version's number, `working` (the working copy), or absent (the latest saved version). */
function parseVersion(value: string | undefined): number | "working" | "latest" {
  if (value === undefined) return "latest";
  if (value === "working") return "working";
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InputError(`--version is a saved version's number (1, 2, …) or "working", not "${value}"`);
  }
  return number;
}

/** Versions as people read them: "1–4", "3", or none. */
function versionRange(numbers: readonly number[]): string {
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  return low === high ? `version ${low}` : `versions ${low}–${high}`;
}

/**
 * A workflow stored in the database (DATABASE_URL), compiled exactly as a run of it starts on the server
 * (its team's catalog and secret names, the operator's bounds), with the label the report gives it.
 */
async function loadStoredWorkflow(
  id: string,
  version: number | "working" | "latest",
): Promise<{ label: string; spec: AgentSpec }> {
  if (env.DATABASE_URL === undefined) {
    throw new InputError(
      `--workflow ${id}: no such file; reading a stored workflow by id needs DATABASE_URL (the server's database)`,
    );
  }
  const { db } = await import("~/server/db");
  const workflow = await db.workflow.findUnique({
    where: { id },
    select: {
      id: true,
      name: true,
      team: { select: { id: true, slug: true } },
      versions: { orderBy: { number: "desc" }, select: { id: true, number: true } },
    },
  });
  if (!workflow)
    throw new InputError(`--workflow ${id}: no such file, and no workflow with this id in the database`);
  const numbers = workflow.versions.map((saved) => saved.number);
  let versionId: string | null = null;
  let label = `${workflow.name} (working copy)`;
  if (version !== "working") {
    const saved =
      version === "latest" ? workflow.versions[0] : workflow.versions.find((row) => row.number === version);
    if (!saved) {
      throw new InputError(
        numbers.length === 0
          ? `workflow ${id} has no saved version yet; save one, or evaluate the working copy with --version working`
          : `workflow ${id} has ${versionRange(numbers)}; there is no version ${version}`,
      );
    }
    versionId = saved.id;
    label = `${workflow.name} v${saved.number}`;
  }
  try {
    const spec = await compileWorkflow(db, { team: workflow.team, workflowId: workflow.id, versionId });
    return { label, spec };
  } catch (error) {
    if (error instanceof RunStartError) throw new InputError(`${label}: ${error.message}`);
    throw error;
  }
}

/** The test set of a file, by its extension (.json, .jsonl, .csv), or an InputError with every problem found. */
function loadTestSet(path: string): TestSet {
  const name = basename(path);
  const format = testSetFormatOf(path);
  if (!format) throw new InputError(`${name}: a test set file is .json, .jsonl or .csv`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${name}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const parsed = parseTestSetFile(text, format);
  if (!parsed.ok) throw new InputError(parsed.problems.map((problem) => `${name}: ${problem}`).join("\n"));
  return parsed.set;
}

/**
 * The set with every case that ran frozen from this run (`--record`): its model answers and steps
 * become the case's recording, its checks stay (a case without checks expects this run's answer).
 * Replaying the file later needs no network and reports where a change makes a run diverge.
 */
function recordedSet(set: TestSet, results: readonly CaseResult[]): TestSet {
  const cases = set.cases.map((testCase, index): TestCase => {
    const events = results[index]?.events;
    if (!events) return testCase;
    try {
      return caseFromRun(
        {
          id: testCase.id,
          task: testCase.task,
          images: testCase.images,
          audio: testCase.audio,
          additionalArgs: testCase.additionalArgs,
          events,
        },
        testCase.checks.length ? testCase.checks : undefined,
      );
    } catch {
      // A run that could not be frozen (no model answer) keeps the case as it was.
      return testCase;
    }
  });
  return { ...set, cases };
}

const usd = (value: number | null) =>
  value === null ? "unknown" : `$${value.toFixed(value < 0.01 ? 6 : 4)}`;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** The results as a text table, the failures in words, and the figures. */
function formatTable(results: readonly CaseResult[], summary: EvalSummary, threshold: number): string {
  const header = ["case", "checks", "result", "steps", "tokens", "cost", "latency"];
  const rows = results.map((result) => [
    result.id + (result.replayed ? " (replay)" : ""),
    `${result.checks.filter((check) => check.passed).length}/${result.checks.length}`,
    result.passed ? "pass" : "FAIL",
    String(result.steps),
    `${result.inputTokens}/${result.outputTokens}`,
    usd(result.costUsd),
    `${result.latencyMs} ms`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
  const failed = results.filter((result) => !result.passed);
  if (failed.length) {
    out.push("", "Failures:");
    for (const result of failed) {
      out.push(`  ${result.id}:`);
      for (const failure of result.failures) out.push(`    - ${failure}`);
    }
  }
  const judged = results.some((result) => result.checks.some((check) => check.judge));
  out.push(
    "",
    `${summary.passed}/${summary.cases} passed (${percent(summary.passRate)}; required ${percent(threshold)}): ${summary.passRate >= threshold ? "OK" : "BELOW THRESHOLD"}`,
    `tokens ${summary.inputTokens} in / ${summary.outputTokens} out, cost ${usd(summary.costUsd)}${judged ? `, judges ${usd(summary.judgeCostUsd)} apart` : ""}, latency p50 ${summary.latencyP50Ms} ms / p95 ${summary.latencyP95Ms} ms, ${summary.steps} steps`,
  );
  return out.join("\n");
}

/** A comparison for JSON output: each case's answers and verdicts, its steps left to the versions' cases. */
function withoutTraces(comparison: Comparison) {
  return {
    ...comparison,
    cases: comparison.cases.map((row) => ({
      ...row,
      versions: row.versions.map((version) => version && { ...version, trace: undefined }),
    })),
  };
}

/** The versions' figures side by side (* marks the best of each), the winner, and the cases they disagree on. */
function formatComparison(comparison: Comparison): string {
  const labels = comparison.versions.map((version) => version.label);
  const figure = (name: ComparedFigure, text: (summary: EvalSummary) => string) => [
    name,
    ...comparison.versions.map(
      ({ summary }, index) => `${text(summary)}${comparison.best[name] === index ? " *" : ""}`,
    ),
  ];
  const rows = [
    ["figure", ...labels],
    figure("passRate", (summary) => percent(summary.passRate)),
    figure("costUsd", (summary) => usd(summary.costUsd)),
    figure("inputTokens", (summary) => String(summary.inputTokens)),
    figure("outputTokens", (summary) => String(summary.outputTokens)),
    figure("latencyP50Ms", (summary) => `${summary.latencyP50Ms} ms`),
    figure("latencyP95Ms", (summary) => `${summary.latencyP95Ms} ms`),
    figure("steps", (summary) => String(summary.steps)),
  ];
  const widths = (rows[0] as string[]).map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  const out = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  out.splice(1, 0, widths.map((width) => "-".repeat(width)).join("  "));
  out.push(
    "",
    comparison.winner === undefined
      ? "no winner: tied on pass rate, cost and tokens"
      : `best: ${labels[comparison.winner]} (by pass rate, then cost, then tokens)`,
  );
  const differing = comparison.cases.filter((row) => row.differs);
  if (differing.length) {
    out.push("Cases the versions disagree on:");
    for (const row of differing) {
      out.push(
        `  ${row.id}: ${row.versions.map((version, index) => `${labels[index]} ${version ? (version.passed ? "pass" : "FAIL") : "missing"}`).join(", ")}`,
      );
    }
  }
  return out.join("\n");
}

function parseCommand(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      workflow: { type: "string", multiple: true, default: [] },
      set: { type: "string" },
      version: { type: "string" },
      json: { type: "boolean", default: false },
      "min-pass-rate": { type: "string" },
      concurrency: { type: "string" },
      record: { type: "string" },
      "max-cost": { type: "string" },
      executor: { type: "string" },
      secret: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
}

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseCommand>;
  try {
    values = parseCommand(argv);
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const workflows = values.workflow ?? [];
  if (workflows.length === 0 || !values.set) throw new InputError(usage);
  const threshold = values["min-pass-rate"] === undefined ? 1 : Number(values["min-pass-rate"]);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new InputError(
      `--min-pass-rate is a fraction from 0 to 1 (0.9 for 90%), not "${values["min-pass-rate"]}"`,
    );
  }
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new InputError(`--concurrency is a whole number from 1 to 32, not "${values.concurrency}"`);
  }
  const maxCostUsd = values["max-cost"] === undefined ? undefined : Number(values["max-cost"]);
  if (maxCostUsd !== undefined && !(Number.isFinite(maxCostUsd) && maxCostUsd >= 0)) {
    throw new InputError(`--max-cost is an amount in USD (0.5 for 50 cents), not "${values["max-cost"]}"`);
  }
  const executorKind = values.executor as ExecutorSpec["kind"] | undefined;
  if (executorKind && !["pyodide", "docker", "local"].includes(executorKind)) {
    throw new InputError("--executor must be pyodide, docker or local");
  }
  if (values.record !== undefined && !testSetFormatOf(values.record)) {
    throw new InputError(`--record ${basename(values.record)}: the file is .json, .jsonl or .csv`);
  }
  const stored = workflows.filter((workflow) => !existsSync(workflow));
  for (const workflow of stored) {
    if (!WORKFLOW_ID.test(workflow)) throw new InputError(`${basename(workflow)}: no such file`);
  }
  if (values.version !== undefined && stored.length === 0) {
    throw new InputError(
      "--version picks a stored version of a workflow id; a workflow file is one version already",
    );
  }
  const version = parseVersion(values.version);
  const set = loadTestSet(values.set);
  const sources: { label: string; spec: AgentSpec }[] = [];
  try {
    for (const workflow of workflows) {
      sources.push(
        stored.includes(workflow)
          ? await loadStoredWorkflow(workflow, version)
          : { label: basename(workflow), spec: loadWorkflowSpec(workflow) },
      );
    }
  } finally {
    if (stored.length > 0 && env.DATABASE_URL !== undefined) {
      await (await import("~/server/db")).db.$disconnect();
    }
  }
  const specs = sources.map((source) => withInstallationBaseUrl(source.spec, env.OPENAI_BASE_URL));

  const { resolveSecret, outbound } = cliSecrets(values.secret ?? []);
  const guard = new OutboundGuard(outbound);
  const host = executorHostFromEnv(env);
  const sandboxKind = executorKind ?? env.SANDBOX_EXECUTOR;
  const pool = sandboxKind === "pyodide" ? new PyodidePool({ size: Math.min(concurrency, 4) }) : undefined;
  const sandboxOptions = { ...host, pyodidePool: pool, allowLocal: executorKind === "local" };
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const evalHost: EvalHost = {
    agent: {
      resolveSecret,
      outbound,
      createExecutor: (executorSpec, options) =>
        createExecutor(
          { ...executorSpec, kind: executorKind ?? executorSpec.kind ?? env.SANDBOX_EXECUTOR },
          { ...sandboxOptions, ...options },
        ),
    },
    checks: {
      // Check functions are someone's code: they run in a sandbox like model code.
      createSandbox: () => createExecutor({ kind: sandboxKind }, sandboxOptions),
      createJudgeModel: (modelSpec) =>
        createModel(withInstallationModel(modelSpec, env.OPENAI_BASE_URL), {
          resolveSecret,
          outbound: guard,
        }),
    },
  };
  try {
    const versions: { label: string; results: CaseResult[]; summary: EvalSummary; wallMs: number }[] = [];
    for (const [index, spec] of specs.entries()) {
      const started = performance.now();
      const last = index === specs.length - 1;
      const { results, summary } = await runTestSet(spec, set, evalHost, {
        concurrency,
        signal: controller.signal,
        keepEvents: last && values.record !== undefined,
        ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
      });
      if (last && values.record) {
        writeFileSync(
          values.record,
          serializeTestSet(recordedSet(set, results), testSetFormatOf(values.record) ?? "json"),
        );
        for (const result of results) delete result.events;
      }
      const name = (sources[index] as (typeof sources)[number]).label;
      // The same name twice (two folders, two workflows) is told apart by its position.
      const twice = sources.filter((source) => source.label === name).length > 1;
      versions.push({
        label: twice ? `${index + 1}:${name}` : name,
        results,
        summary,
        wallMs: Math.round(performance.now() - started),
      });
    }
    // The exit code is about the last workflow: with several, the candidate compared with the others.
    const candidate = versions.at(-1) as (typeof versions)[number];
    const ok = candidate.summary.passRate >= threshold;
    const comparison = versions.length > 1 ? compareVersions(versions) : undefined;
    if (values.json) {
      const report = (version: (typeof versions)[number]) => ({
        set: set.name,
        workflow: version.label,
        threshold,
        ok: version.summary.passRate >= threshold,
        wallMs: version.wallMs,
        summary: version.summary,
        cases: version.results,
      });
      const output = comparison
        ? { ...report(candidate), ok, versions: versions.map(report), comparison: withoutTraces(comparison) }
        : report(candidate);
      process.stdout.write(`${JSON.stringify(output)}\n`);
    } else {
      for (const version of versions) {
        if (versions.length > 1) process.stdout.write(`== ${version.label}\n`);
        process.stdout.write(
          `${formatTable(version.results, version.summary, threshold)}\nwall time ${version.wallMs} ms for ${set.cases.length} cases\n\n`,
        );
      }
      if (comparison) process.stdout.write(`${formatComparison(comparison)}\n`);
    }
    return ok ? 0 : 1;
  } finally {
    await pool?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof InputError ? 2 : 1);
  },
);
