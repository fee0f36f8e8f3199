import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTestSetFile } from "~/eval/test-set-files";
import { createTestDatabase } from "../api/test-database";

/**
 * `npm run eval` end to end as a CI would call it: a child process, its output and its exit code
 * (0 at or above --min-pass-rate, 1 below, 2 for a wrong command, workflow or set). Replay cases
 * need no network or key; the first set's Python checks run in Pyodide.
 */

const exec = promisify(execFile);

async function evalCli(
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "src/cli/eval.ts", ...args], {
      cwd: process.cwd(),
      timeout: 300_000,
      env: { ...process.env, OPENAI_API_KEY: "", ...extraEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const fixture = (name: string) => `tests/fixtures/eval/${name}`;
const dir = mkdtempSync(join(tmpdir(), "troupe-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run eval", () => {
  it("prints JSON and exits 0 when the pass rate reaches the threshold (every check kind, an exported workflow)", async () => {
    const { code, stdout } = await evalCli([
      "--workflow",
      fixture("grocer-workflow.json"),
      "--set",
      fixture("every-check.json"),
      "--min-pass-rate",
      "0.75",
      "--concurrency",
      "2",
      "--json",
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      set: "Grocer: every check kind",
      workflow: "grocer-workflow.json",
      threshold: 0.75,
      ok: true,
      summary: { cases: 4, passed: 3, failed: 1, passRate: 0.75 },
    });
    expect(report.cases.map((result: { id: string; passed: boolean }) => [result.id, result.passed])).toEqual(
      [
        ["workflow-model", true],
        ["apples", true],
        ["pear-json", true],
        ["plums-wrong", false],
      ],
    );
    expect(report.summary.costUsd).toBeGreaterThan(0);
    expect(report.summary.judgeCostUsd).toBeGreaterThan(0);
  });

  it("prints a table and exits 1 below the threshold (JSONL set, an agent spec file)", async () => {
    const { code, stdout } = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      fixture("capitals.jsonl"),
    ]);
    expect(code).toBe(1);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^case\s+checks\s+result\s+steps\s+tokens\s+cost\s+latency$/);
    expect(lines.find((line) => line.startsWith("france "))).toMatch(
      /^france\s+1\/1\s+pass\s+1\s+\d+\/\d+\s+\$[\d.]+\s+\d+ ms$/,
    );
    expect(lines.find((line) => line.startsWith("italy"))).toMatch(/^italy \(replay\)\s+0\/1\s+FAIL\s+1\s/);
    expect(stdout).toContain('    - exact "Rome": the answer is "Milan", not "Rome"');
    expect(stdout).toContain("2/3 passed (66.7%; required 100.0%): BELOW THRESHOLD");

    const lenient = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      fixture("capitals.jsonl"),
      "--min-pass-rate",
      "0.6",
    ]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain("2/3 passed (66.7%; required 60.0%): OK");
  });

  it("records a run of the set as its new baseline (--record), which then replays offline with the same results", async () => {
    const recorded = join(dir, "capitals-recorded.jsonl");
    const first = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      fixture("capitals.jsonl"),
      "--record",
      recorded,
      "--min-pass-rate",
      "0",
      "--json",
    ]);
    expect(first.code).toBe(0);
    const parsed = parseTestSetFile(readFileSync(recorded, "utf8"), "jsonl");
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    expect(parsed.set.name).toBe("Capitals");
    expect(
      parsed.set.cases.map((testCase) => [
        testCase.id,
        testCase.recording?.transcript.length,
        testCase.checks.length,
      ]),
    ).toEqual([
      ["france", 1, 1],
      ["france-replayed", 1, 1],
      ["italy", 1, 1],
    ]);
    expect(parsed.set.cases[0]?.recording?.steps).toEqual([
      {
        agent: "clerk",
        step: 1,
        toolCalls: [{ name: "final_answer", arguments: { answer: "Paris" } }],
      },
    ]);
    const again = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      recorded,
      "--min-pass-rate",
      "0",
      "--json",
    ]);
    const passed = (stdout: string) =>
      JSON.parse(stdout).cases.map((result: { id: string; passed: boolean; replayed: boolean }) => [
        result.id,
        result.passed,
        result.replayed,
      ]);
    expect(passed(again.stdout)).toEqual([
      ["france", true, true],
      ["france-replayed", true, true],
      ["italy", false, true],
    ]);
    expect(JSON.parse(first.stdout).cases[0].events).toBeUndefined();
  });

  it("compares versions on the same set: the better one wins on the figures shown, the exit code is the last one's", async () => {
    const versions = [
      "--workflow",
      fixture("clerk-agent-worse.json"),
      "--workflow",
      fixture("clerk-agent.json"),
    ];
    const table = await evalCli([...versions, "--set", fixture("capitals.jsonl"), "--min-pass-rate", "0.6"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("== clerk-agent-worse.json\n");
    expect(table.stdout).toMatch(/passRate\s+33\.3%\s+66\.7% \*\n/);
    expect(table.stdout).toContain("best: clerk-agent.json (by pass rate, then cost, then tokens)");
    expect(table.stdout).toContain("  france: clerk-agent-worse.json FAIL, clerk-agent.json pass");

    const reversed = [
      "--workflow",
      fixture("clerk-agent.json"),
      "--workflow",
      fixture("clerk-agent-worse.json"),
    ];
    const json = await evalCli([
      ...reversed,
      "--set",
      fixture("capitals.jsonl"),
      "--min-pass-rate",
      "0.6",
      "--json",
    ]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ workflow: "clerk-agent-worse.json", ok: false, summary: { passed: 1 } });
    expect(
      report.versions.map((version: { workflow: string; ok: boolean }) => [version.workflow, version.ok]),
    ).toEqual([
      ["clerk-agent.json", true],
      ["clerk-agent-worse.json", false],
    ]);
    expect(report.comparison).toMatchObject({ winner: 0, best: { passRate: 0 } });
    expect(
      report.comparison.cases
        .filter((row: { differs: boolean }) => row.differs)
        .map((row: { id: string }) => row.id),
    ).toEqual(["france"]);
  });

  it("exits 2 without running anything for a malformed set, naming each line and column", async () => {
    const rows = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      fixture("malformed-rows.csv"),
      "--json",
    ]);
    expect(rows).toMatchObject({ code: 2, stdout: "" });
    expect(rows.stderr.trim().split("\n")).toEqual([
      "malformed-rows.csv: line 2, column 3 (regex): Invalid regular expression: /(/: Unterminated group",
      'malformed-rows.csv: line 3, column 4 (number): "twelve" is not a number',
    ]);
    const header = await evalCli([
      "--workflow",
      fixture("clerk-agent.json"),
      "--set",
      fixture("malformed.csv"),
    ]);
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('malformed.csv: line 1, column 4: unknown column "colour"');
  });

  it("exits 2 for a workflow id without a database, a --version with a file, a bad threshold or a missing option, saying why", async () => {
    const set = ["--set", fixture("capitals.jsonl")];
    const clerk = ["--workflow", fixture("clerk-agent.json"), ...set];
    const [byId, version, threshold, missing, cost] = await Promise.all([
      evalCli(["--workflow", "cm8abc123", ...set], { DATABASE_URL: undefined }),
      evalCli([...clerk, "--version", "3"]),
      evalCli([...clerk, "--min-pass-rate", "90"]),
      evalCli(set),
      evalCli([...clerk, "--max-cost", "lots"]),
    ]);
    expect(cost.code).toBe(2);
    expect(cost.stderr).toContain('--max-cost is an amount in USD (0.5 for 50 cents), not "lots"');
    expect(byId.code).toBe(2);
    expect(byId.stderr).toContain(
      "--workflow cm8abc123: no such file; reading a stored workflow by id needs DATABASE_URL (the server's database)",
    );
    expect(version.code).toBe(2);
    expect(version.stderr).toContain(
      "--version picks a stored version of a workflow id; a workflow file is one version already",
    );
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('--min-pass-rate is a fraction from 0 to 1 (0.9 for 90%), not "90"');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("usage: npm run eval -- --workflow");
  });
});

describe("npm run eval --workflow <id>", () => {
  /**
   * A workflow stored in a test database, as the app keeps it: version 1 prices a pear at 0.75, version
   * 2 at 0.80 (a regression the set catches), and the working copy is back at 0.75.
   */
  const grocer = JSON.parse(readFileSync(fixture("grocer-workflow.json"), "utf8")).document;
  const pearChanged = JSON.parse(readFileSync(fixture("grocer-workflow-pear-changed.json"), "utf8")).document;
  const pearSet = join(dir, "pear.jsonl");
  const replay = (code: string) => ({
    model: "gpt-4o-mini",
    transcript: [`Thought: answer\n<code>\n${code}\n</code>`],
  });
  writeFileSync(
    pearSet,
    [
      { format: "troupe.test-set", name: "Pears" },
      {
        id: "apples",
        task: "What do 2 apples cost?",
        recording: replay("final_answer(f\"{2 * unit_price('apple'):.2f}\")"),
        checks: [{ kind: "exact", expected: "1.00" }],
      },
      {
        id: "pear",
        task: "What does a pear cost?",
        recording: replay("final_answer(f\"{unit_price('pear'):.2f}\")"),
        checks: [{ kind: "exact", expected: "0.75" }],
      },
    ]
      .map((line) => JSON.stringify(line))
      .join("\n"),
  );
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let workflowId: string;
  let emptyId: string;

  beforeAll(async () => {
    database = await createTestDatabase("evalcli");
    const { migrate } = await import("~/server/db/migrate");
    await migrate(database.url);
    const { createDatabaseClient } = await import("~/server/db");
    const db = createDatabaseClient(database.url);
    try {
      const team = await db.team.create({ data: { name: "Grocers", slug: "grocers" } });
      const workflow = await db.workflow.create({ data: { teamId: team.id, name: "Grocer", graph: grocer } });
      workflowId = workflow.id;
      await db.workflowVersion.create({ data: { workflowId, number: 1, graph: grocer } });
      await db.workflowVersion.create({ data: { workflowId, number: 2, graph: pearChanged } });
      emptyId = (await db.workflow.create({ data: { teamId: team.id, name: "Unsaved", graph: grocer } })).id;
    } finally {
      await db.$disconnect();
    }
  });
  afterAll(() => database?.drop());

  const stored = (args: string[]) => evalCli(["--set", pearSet, ...args], { DATABASE_URL: database.url });

  it("evaluates the latest saved version by default and exits 1 below the pass rate, 0 at it", async () => {
    const [latest, lenient] = await Promise.all([
      stored(["--workflow", workflowId, "--json"]),
      stored(["--workflow", workflowId, "--min-pass-rate", "0.5"]),
    ]);
    expect(latest.code).toBe(1);
    const report = JSON.parse(latest.stdout);
    expect(report).toMatchObject({
      set: "Pears",
      workflow: "Grocer v2",
      ok: false,
      summary: { cases: 2, passed: 1 },
    });
    expect(report.cases.map((result: { id: string; passed: boolean }) => [result.id, result.passed])).toEqual(
      [
        ["apples", true],
        ["pear", false],
      ],
    );
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain("1/2 passed (50.0%; required 50.0%): OK");
  });

  it("picks a saved version with --version N and the working copy with --version working", async () => {
    const [first, working] = await Promise.all([
      stored(["--workflow", workflowId, "--version", "1", "--json"]),
      stored(["--workflow", workflowId, "--version", "working", "--json"]),
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      workflow: "Grocer v1",
      ok: true,
      summary: { passed: 2 },
    });
    expect(working.code).toBe(0);
    expect(JSON.parse(working.stdout)).toMatchObject({
      workflow: "Grocer (working copy)",
      ok: true,
      summary: { passed: 2 },
    });
  });

  it("exits 2 for an unknown id, an unknown version, a workflow with no saved version, or a bad --version", async () => {
    const [unknown, version, unsaved, bad] = await Promise.all([
      stored(["--workflow", "cm0nosuchworkflow"]),
      stored(["--workflow", workflowId, "--version", "7"]),
      stored(["--workflow", emptyId]),
      stored(["--workflow", workflowId, "--version", "latest"]),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toContain(
      "--workflow cm0nosuchworkflow: no such file, and no workflow with this id in the database",
    );
    expect(version).toMatchObject({ code: 2, stdout: "" });
    expect(version.stderr).toContain(`workflow ${workflowId} has versions 1–2; there is no version 7`);
    expect(unsaved.code).toBe(2);
    expect(unsaved.stderr).toContain(
      `workflow ${emptyId} has no saved version yet; save one, or evaluate the working copy with --version working`,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--version is a saved version\'s number (1, 2, …) or "working", not "latest"',
    );
  });
});
