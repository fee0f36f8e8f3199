#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint, unit, integration and security suites (vitest), then e2e (Playwright),
 * then the resilience suite (vitest: real processes killed and restarted; it prints its tallies and
 * reuses the Next build e2e made, or builds it once).
 * Every stage runs even when an earlier one fails, so one run shows everything that is wrong; the
 * last line is the summary CI reads: "tests: N passed, N failed".
 * Options: --only=typecheck,lint,unit,integration,security,e2e,resilience to run a subset.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const stages = ["typecheck", "lint", "unit", "integration", "security", "e2e", "resilience"];
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const selected = onlyArg ? onlyArg.slice("--only=".length).split(",") : stages;
const reportDir = mkdtempSync(join(tmpdir(), "troupe-test-"));
const results = [];

function run(command, args, env = {}) {
  const started = Date.now();
  const { status } = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return { ok: status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

function banner(name) {
  console.log(`\n━━━ ${name} ${"━".repeat(Math.max(0, 70 - name.length))}`);
}

/** A check that is one pass or one fail (typecheck, lint). */
function check(name, command, args) {
  banner(name);
  const { ok, seconds } = run(command, args);
  results.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds });
}

function vitestProject(name) {
  banner(name);
  const out = join(reportDir, `${name}.json`);
  const { ok, seconds } = run("npx", [
    "vitest",
    "run",
    "--project",
    name,
    "--passWithNoTests",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${out}`,
  ]);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, "utf8"));
    counts.passed = report.numPassedTests ?? 0;
    counts.failed = report.numFailedTests ?? 0;
    counts.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A file that fails to load has no test results but is a failure all the same.
    counts.failed += (report.testResults ?? []).filter(
      (file) => file.status === "failed" && (file.assertionResults ?? []).length === 0,
    ).length;
  }
  if (!ok && counts.failed === 0) counts.failed = 1;
  results.push({ name, ...counts, seconds });
}

function playwright() {
  banner("e2e");
  const out = join(reportDir, "e2e.json");
  const { ok, seconds } = run("npx", ["playwright", "test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: out,
  });
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(out)) {
    const stats = JSON.parse(readFileSync(out, "utf8")).stats ?? {};
    counts.passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
    counts.failed = stats.unexpected ?? 0;
    counts.skipped = stats.skipped ?? 0;
  }
  if (!ok && counts.failed === 0) counts.failed = 1;
  results.push({ name: "e2e", ...counts, seconds });
}

for (const stage of stages.filter((s) => selected.includes(s))) {
  if (stage === "typecheck") check("typecheck", "npx", ["tsc", "--noEmit"]);
  else if (stage === "lint") check("lint", "npx", ["biome", "ci", "."]);
  else if (stage === "e2e") playwright();
  else vitestProject(stage);
}
rmSync(reportDir, { recursive: true, force: true });

banner("summary");
for (const r of results) {
  const skipped = r.skipped ? `, ${r.skipped} skipped` : "";
  console.log(`${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed${skipped}  (${r.seconds}s)`);
}
const total = results.reduce(
  (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exit(total.failed > 0 || total.skipped > 0 ? 1 : 0);
