/**
 * `npm run bench`: every bench of bench/ with a quick profile (fewer samples and rounds than the
 * figures in the folders' READMEs; the whole set takes a few minutes), one after another, each in
 * its own process. Writes bench/results/latest.json (the machine, each bench's command, duration,
 * headline and output) and regenerates the headline table of bench/README.md between its markers.
 *
 *   npm run bench                         # every bench
 *   npm run bench -- --only scale,runs    # some of them (the others keep their last figures)
 *
 * Needs the services the benches use: Postgres (TEST_POSTGRES_URL or postgres@127.0.0.1:5432),
 * Redis (REDIS_URL or 127.0.0.1:6379), python3. The canvas bench needs a running, built Troupe
 * (BASE_URL) and Chromium; without BASE_URL it is listed as not run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({ options: { only: { type: "string" } } });
const only = flags.only?.split(",").filter(Boolean);

const RESULTS = "bench/results/latest.json";
const README = "bench/README.md";
const START = "<!-- bench:latest:start -->";
const END = "<!-- bench:latest:end -->";

/** What a bench printed: its lines, and the JSON lines among them. */
interface Output {
  lines: string[];
  json: Record<string, unknown>[];
}

interface Bench {
  name: string;
  /** The area the table names. */
  area: string;
  command: string[];
  env?: Record<string, string>;
  /** Why it cannot run here, if it cannot. */
  unavailable?: () => string | undefined;
  /** The figures worth a table cell. */
  headline: (output: Output) => string;
}

const tsx = (...args: string[]) => [process.execPath, "--import", "tsx", ...args];
const lastJson = (output: Output, bench?: string) =>
  output.json.filter((line) => bench === undefined || line.bench === bench).at(-1);
const linesMatching = (output: Output, pattern: RegExp) =>
  output.lines
    .filter((line) => pattern.test(line))
    .map((line) => line.trim().replace(/\s+/g, " "))
    .join("; ");

type Row = Record<string, number | string | null>;
const benches: Bench[] = [
  {
    name: "engine-overhead",
    area: "engine overhead per step",
    command: tsx("bench/engine/overhead.ts", "5"),
    headline: (output) => {
      const rows: string[] = [];
      let agent = "";
      for (const line of output.lines) {
        if (/^(CodeAgent|ToolCallingAgent)$/.test(line.trim())) agent = line.trim();
        const match = /100 steps: ([\d.]+) ms wall/.exec(line);
        if (match) rows.push(`${agent} ${match[1]} ms/step at 100 steps`);
      }
      return rows.join(", ");
    },
  },
  {
    name: "pyodide-step",
    area: "CodeAgent step on warm Pyodide",
    command: tsx("bench/engine/pyodide-step.ts", "3"),
    headline: (output) => linesMatching(output, /^warm:/).replace(/^warm: /, ""),
  },
  {
    name: "model-calls",
    area: "model calls, code vs JSON agents",
    command: tsx("bench/engine/model-calls.ts"),
    headline: (output) => linesMatching(output, /^CodeAgent vs ToolCallingAgent/),
  },
  {
    name: "guarded-fetch",
    area: "guarded fetch",
    command: tsx("bench/engine/guarded-fetch.ts", "500"),
    headline: (output) => linesMatching(output, /small GET p50|refusal p50/),
  },
  {
    name: "sandbox-pyodide",
    area: "Pyodide sandbox",
    command: tsx("bench/sandbox/sandbox-bench.ts", "pyodide", "--concurrency", "5"),
    // The curated figures stay in bench/results/sandbox-pyodide.json.
    env: { SANDBOX_BENCH_OUT: "bench/results/quick" },
    headline: (output) => {
      const result = lastJson(output) as Row & Record<string, Row> & { concurrent?: Row };
      if (!result) return "no result";
      const pick = (key: string) => {
        const value = result[key] as unknown;
        return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
      };
      return ["warmStartMs", "onePlusOne", "toolRoundTrip", "codeAgentStep"]
        .filter((key) => key in result)
        .map((key) => `${key} ${pick(key)}`)
        .join(", ");
    },
  },
  {
    name: "trpc-boundary",
    area: "tRPC web boundary",
    command: tsx("bench/api/boundary.ts"),
    headline: (output) => linesMatching(output, /^guarded: (query|mutation, 1 MB)\s/),
  },
  {
    name: "rest-api",
    area: "REST API over the engine",
    command: tsx("bench/api/api-bench.ts", "50", "5,10", "3"),
    headline: (output) =>
      linesMatching(output, /HTTP sync call|added over the engine|highest rate with p99/).replace(
        /\(POST[^)]*\):/g,
        "",
      ),
  },
  {
    name: "runs",
    area: "runs: one worker, runs started in the same instant",
    command: tsx("bench/runs/runs-bench.ts", "50", "100"),
    headline: (output) => {
      const result = lastJson(output, "runs") as { results?: Row[] } | undefined;
      return (result?.results ?? [])
        .map(
          (r) =>
            `${r.concurrency} runs: ${r.succeeded} succeeded, event p95 ${r.eventLatencyP95Ms} ms (start events ${r.startEventsP95Ms}, later ${r.laterEventsP95Ms}), worker CPU ${r.workerCpuMsPerStep} ms/step`,
        )
        .join("; ");
    },
  },
  {
    name: "scale",
    area: "scale-out: 1 and 3 worker processes",
    command: tsx("bench/scale/scale-bench.ts", "--runs", "200", "--burst", "100", "--workers", "1,3"),
    headline: (output) => {
      const result = lastJson(output, "scale") as { throughput?: Row[]; burst?: Row[] } | undefined;
      const throughput = (result?.throughput ?? []).map(
        (r) =>
          `${r.workers} worker(s) ${r.runsPerSecond} runs/s (×${r.ratioToLinear} of linear), queue wait p95 ${r.queueWaitP95Ms} ms, event p95 ${r.eventLatencyP95Ms} ms`,
      );
      const burst = (result?.burst ?? []).map(
        (r) => `burst of ${r.runs} on ${r.workers}: event p95 ${r.eventLatencyP95Ms} ms`,
      );
      return [...throughput, ...burst].join("; ");
    },
  },
  {
    name: "start-cost",
    area: "a run's start on the worker",
    command: tsx("bench/scale/start-cost.ts", "--sequential", "30", "--together", "100"),
    headline: (output) => {
      const result = lastJson(output, "start-cost") as { sequential?: Row; together?: Row } | undefined;
      if (!result?.sequential) return "no result";
      const together = result.together;
      return `CPU per start ${result.sequential.cpuMsPerStartP50} ms alone${together ? `, ${together.cpuMsPerStart} ms in a burst of ${together.runs} (first events p50 ${together.firstEventsP50Ms} / p95 ${together.firstEventsP95Ms} ms after delivery)` : ""}`;
    },
  },
  {
    name: "cold-start",
    area: "cold start of a code run",
    command: tsx("bench/scale/cold-start.ts", "--runs", "3"),
    headline: (output) => {
      const result = lastJson(output, "cold-start") as { cases?: Row[] } | undefined;
      return (result?.cases ?? []).map((c) => `${c.case}: first step ${c.firstStepP50Ms} ms`).join("; ");
    },
  },
  {
    name: "sizing",
    area: "sizing: Postgres, Redis, Pyodide per run",
    command: tsx("bench/scale/sizing.ts", "--runs", "50", "--jobs", "300"),
    headline: (output) => {
      const result = lastJson(output, "sizing") as
        | { postgres?: Row[]; redis?: Row; pyodide?: { sandboxPssMiB?: number[]; sandboxRssMiB?: number[] } }
        | undefined;
      if (!result) return "no result";
      const postgres = (result.postgres ?? []).map(
        (r) => `${r.kind}: ${r.eventsPerRun} events, ${r.totalKiBPerRun} KiB per run in Postgres`,
      );
      return [
        ...postgres,
        `Redis ${result.redis?.bytesPerQueuedRun} B per queued run`,
        `Pyodide sandbox RSS ${result.pyodide?.sandboxRssMiB?.join("/")} MiB, PSS ${result.pyodide?.sandboxPssMiB?.join("/")} MiB`,
      ].join("; ");
    },
  },
  {
    name: "eval-server",
    area: "evaluation on the server: replay cases through the run queue, one worker",
    command: tsx(
      "bench/eval/server-eval-bench.ts",
      ...["--rounds", "1", "--cases", "40", "--warmup-cases", "4"],
      // The curated figures stay in bench/eval/server-results.json.
      ...["--out", "bench/results/quick/eval-server.json"],
    ),
    headline: (output) => {
      const r = lastJson(output, "eval-server") as Row | undefined;
      if (!r) return "no result";
      return `${r.cases} cases at concurrency ${r.concurrency}: plain runs ${r.baselineMs} ms, evaluation ${r.evaluationMs} ms (×${r.ratio}), +${r.overheadPerCaseMs} ms a case, scoring p50 ${r.scoringP50Ms} / p95 ${r.scoringP95Ms} ms after the run ends`;
    },
  },
  {
    name: "canvas",
    area: "canvas, 500 nodes",
    command: tsx("bench/canvas/run.ts"),
    unavailable: () => (process.env.BASE_URL ? undefined : "needs BASE_URL of a running, built Troupe"),
    headline: (output) => linesMatching(output, /interactive|p95/).slice(0, 300),
  },
];

interface BenchResult {
  name: string;
  area: string;
  command: string;
  ranAt: string;
  durationMs: number;
  exitCode: number | null;
  loadAtStart: string;
  headline: string;
  json: Record<string, unknown>[];
  outputTail: string[];
}

function run(bench: Bench): Promise<{ output: Output; exitCode: number | null; durationMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(bench.command[0]!, bench.command.slice(1), {
      env: { ...process.env, ...bench.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.once("exit", (exitCode) => {
      const lines = text.split("\n").filter((line) => line.trim() !== "");
      const json: Record<string, unknown>[] = [];
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        try {
          json.push(JSON.parse(line));
        } catch {
          // a line that only looks like JSON
        }
      }
      resolve({ output: { lines, json }, exitCode, durationMs: performance.now() - started });
    });
  });
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const machine = {
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  freeMemoryGiB: Math.round((freemem() / 1024 ** 3) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAtStart: loadAverage(),
  startedAt: new Date().toISOString(),
};

const previous: { benches?: BenchResult[] } = existsSync(RESULTS)
  ? JSON.parse(readFileSync(RESULTS, "utf8"))
  : {};
const results = new Map<string, BenchResult>((previous.benches ?? []).map((result) => [result.name, result]));

for (const bench of benches) {
  if (only && !only.includes(bench.name)) continue;
  const command = bench.command.slice(1).join(" ").replace("--import tsx ", "tsx ");
  const reason = bench.unavailable?.();
  const loadAtStart = loadAverage();
  if (reason) {
    console.log(`\n── ${bench.name}: not run (${reason})`);
    results.set(bench.name, {
      name: bench.name,
      area: bench.area,
      command,
      ranAt: new Date().toISOString(),
      durationMs: 0,
      exitCode: null,
      loadAtStart,
      headline: `not run: ${reason}`,
      json: [],
      outputTail: [],
    });
    continue;
  }
  console.log(`\n── ${bench.name}: ${command} (load ${loadAtStart})`);
  const { output, exitCode, durationMs } = await run(bench);
  let headline: string;
  try {
    headline = exitCode === 0 ? bench.headline(output) || "no figures found" : `failed (exit ${exitCode})`;
  } catch (error) {
    headline = `figures unreadable: ${(error as Error).message}`;
  }
  results.set(bench.name, {
    name: bench.name,
    area: bench.area,
    command,
    ranAt: new Date().toISOString(),
    durationMs: Math.round(durationMs),
    exitCode,
    loadAtStart,
    headline,
    json: output.json,
    outputTail: output.lines.slice(-40),
  });
}

const ordered = benches.flatMap((bench) => results.get(bench.name) ?? []);
mkdirSync("bench/results", { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify({ machine, benches: ordered }, null, 2)}\n`);

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const table = [
  START,
  `Quick profile (\`npm run bench\`), ${machine.startedAt.slice(0, 16).replace("T", " ")} UTC: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, load average at start ${machine.loadAtStart}. Generated from \`bench/results/latest.json\`; each row's load is the load average when that bench began.`,
  "",
  "| area | command | ran | load | headline |",
  "| --- | --- | --- | --- | --- |",
  ...ordered.map(
    (result) =>
      `| ${cell(result.area)} | \`${cell(result.command)}\` | ${result.ranAt.slice(0, 16).replace("T", " ")}, ${Math.round(result.durationMs / 1000)} s | ${result.loadAtStart.split(" ")[0]} | ${cell(result.headline)} |`,
  ),
  END,
].join("\n");
const readme = readFileSync(README, "utf8");
const startAt = readme.indexOf(START);
const endAt = readme.indexOf(END);
if (startAt === -1 || endAt === -1) throw new Error(`${README} has no ${START} … ${END} markers`);
writeFileSync(README, readme.slice(0, startAt) + table + readme.slice(endAt + END.length));
console.log(`\nwrote ${RESULTS} and the headline table of ${README}`);
const failed = ordered.filter((result) => result.exitCode !== null && result.exitCode !== 0);
if (failed.length) {
  console.error(`failed: ${failed.map((result) => result.name).join(", ")}`);
  process.exitCode = 1;
}
