/**
 * Sandbox benchmark: `npx tsx bench/sandbox/sandbox-bench.ts [pyodide,docker,local] [--concurrency 20]`.
 * Per executor: cold start, warm start, `1+1` overhead, tool-call round trip, a CodeAgent-like step
 * (one tool call + one print), and N concurrent runs × 5 steps. Prints a table and writes
 * bench/results/sandbox-<executor>.json (SANDBOX_BENCH_OUT: another folder, as `npm run bench`'s quick
 * profile does). Docker uses podman's socket and troupe-sandbox:test.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { CreateExecutorOptions } from "~/agents/executors";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { HostTool, PythonExecutor } from "~/agents/executors/python-executor";

type Kind = "pyodide" | "docker" | "local";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: "string", default: "20" }, iterations: { type: "string", default: "200" } },
});
const kinds = (positionals[0] ?? "pyodide,local,docker").split(",") as Kind[];
const concurrency = Number(values.concurrency);
const iterations = Number(values.iterations);

const lookup: HostTool = {
  name: "lookup",
  inputNames: ["key"],
  call: async (args) => ({ key: args.key, value: 42 }),
};

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
const ms = (n: number) => Math.round(n * 1000) / 1000;

/** Resident memory (MiB) of this process's Pyodide sandbox children, one entry per process. */
function sandboxChildrenRssMb(): number[] {
  const sizes: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
      if (ppid === process.pid && cmdline.includes("pyodide-process.mjs")) sizes.push(rssKb / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return sizes;
}

async function timeRuns(executor: PythonExecutor, code: string, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const out = await executor.run(code);
    samples.push(performance.now() - started);
    if (out.error) throw new Error(`bench code failed: ${out.error.message}`);
  }
  return samples;
}

async function bench(kind: Kind) {
  let pool: PyodidePool | undefined;
  const options = (): CreateExecutorOptions => ({
    allowLocal: true,
    dockerSocketPath: "/run/podman/podman.sock",
    dockerImage: "troupe-sandbox:test",
    memoryMb: 256,
    ...(pool ? { pyodidePool: pool, pyodidePoolMemoryMb: 256 } : {}),
  });
  const start = async () => {
    const started = performance.now();
    const executor = await createExecutor({ kind }, options());
    await executor.setTools([lookup]);
    const out = await executor.run("1 + 1");
    if (out.output !== 2) throw new Error(`start failed: ${JSON.stringify(out.error)}`);
    return { executor, ms: performance.now() - started };
  };

  // Cold: nothing booted in advance (Pyodide without a pool; first container; first process).
  const cold = await start();
  await cold.executor.close();
  // Warm: Pyodide from a booted pool; Docker/local have no pool, so this is a repeat start.
  if (kind === "pyodide") {
    pool = new PyodidePool({ size: Math.max(4, concurrency), memoryMb: 256 });
    await pool.warm();
  }
  // Memory of a booted, waiting sandbox (Pyodide: one process each) and the host's own growth.
  let memoryPerWarmSandboxMiB: number | undefined;
  let poolBootMs: number | undefined;
  if (pool) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sizes = sandboxChildrenRssMb();
    memoryPerWarmSandboxMiB = sizes.length > 0 ? ms(quantile(sizes, 0.5)) : undefined;
    const refill = new PyodidePool({ size: 1, memoryMb: 256 });
    const started = performance.now();
    await refill.warm();
    poolBootMs = ms(performance.now() - started);
    await refill.close();
  }
  const warmSamples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const warm = await start();
    warmSamples.push(warm.ms);
    await warm.executor.close();
    if (pool) await pool.warm();
  }

  const { executor } = await start();
  await timeRuns(executor, "1 + 1", 20);
  const onePlusOne = await timeRuns(executor, "1 + 1", iterations);
  const calls = 200;
  const withTools = await timeRuns(executor, `for i in range(${calls}):\n    lookup(i)`, 10);
  const without = await timeRuns(
    executor,
    `def nop(k):\n    return k\nfor i in range(${calls}):\n    nop(i)`,
    10,
  );
  const toolRoundTrip = (quantile(withTools, 0.5) - quantile(without, 0.5)) / calls;
  const stepCode = "r = lookup('weather')\nprint('observation:', r['value'])";
  const step = await timeRuns(executor, stepCode, iterations);
  await executor.close();
  if (pool) await pool.warm();

  // N concurrent runs × 5 steps.
  const concurrentStarted = performance.now();
  const stepSamples: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const run = await createExecutor({ kind }, options());
      await run.setTools([lookup]);
      for (let s = 0; s < 5; s++) stepSamples.push(...(await timeRuns(run, stepCode, 1)));
      await run.close();
    }),
  );
  const concurrentMs = performance.now() - concurrentStarted;
  await pool?.close();

  return {
    executor: kind,
    coldStartMs: ms(cold.ms),
    ...(poolBootMs !== undefined ? { sandboxBootMs: poolBootMs, memoryPerWarmSandboxMiB } : {}),
    warmStartMs: ms(quantile(warmSamples, 0.5)),
    onePlusOne: { p50: ms(quantile(onePlusOne, 0.5)), p95: ms(quantile(onePlusOne, 0.95)) },
    toolRoundTripMs: ms(toolRoundTrip),
    codeAgentStep: { p50: ms(quantile(step, 0.5)), p95: ms(quantile(step, 0.95)) },
    concurrent: {
      runs: concurrency,
      stepsPerRun: 5,
      wallMs: ms(concurrentMs),
      stepP50: ms(quantile(stepSamples, 0.5)),
      stepP95: ms(quantile(stepSamples, 0.95)),
    },
    loadAverage: loadavg().map((n) => Math.round(n * 10) / 10),
  };
}

const outDir = process.env.SANDBOX_BENCH_OUT ?? "bench/results";
mkdirSync(outDir, { recursive: true });
for (const kind of kinds) {
  const result = await bench(kind);
  console.log(JSON.stringify(result));
  writeFileSync(`${outDir}/sandbox-${kind}.json`, `${JSON.stringify(result, null, 2)}\n`);
}
process.exit(0);
