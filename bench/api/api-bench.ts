/**
 * REST API bench: what an endpoint call costs over running the engine directly, and the request rate
 * the API carries with p99 under 100 ms. A zero-latency replay workflow (one ToolCallingAgent, one
 * model call, final_answer), real Postgres, the embedded mode in one server process (the API test
 * harness: every route handler of src/app/api/v1 on a Node HTTP server, the worker in the same
 * process, in-process queue); the load comes from this process (fetch, autocannon).
 *
 * Run: `npx tsx bench/api/api-bench.ts [samples=200] [rates=2,5,10,20,40,80] [seconds=8]`.
 * The server process is this file run with `--serve`.
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { RunEvent } from "~/agents/events";

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  n: number;
}

interface ServerReady {
  type: "ready";
  base: string;
  key: string;
  path: string;
  engineRun: Percentiles;
  engineFirstEvent: Percentiles;
  directRun: Percentiles;
  directFirstEvent: Percentiles;
  sync: Percentiles;
  firstSseEvent: Percentiles;
  /** HTTP minus the run machinery alone, per interleaved pair. */
  syncAdded: Percentiles;
  firstSseAdded: Percentiles;
  /** Interleaved samples lost to a failed start, and the last reason. */
  failed: number;
  lastFailure: string;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return { p50: at(50), p95: at(95), p99: at(99), mean, n: sorted.length };
}

const round = (value: number) => Math.round(value * 100) / 100;
const show = (p: Percentiles) => `p50 ${round(p.p50)} ms, p95 ${round(p.p95)} ms (n=${p.n})`;

/** The server side: harness, fixture, and the in-process baselines (engine alone, run machinery alone). */
async function serve(samples: number): Promise<void> {
  const { prepareApiEnvironment, publishFixture, replayWorkflow, startApiHarness } = await import(
    "../../tests/helpers/api-harness"
  );
  const database = await prepareApiEnvironment("api_bench", {
    TEAM_MAX_CONCURRENT_RUNS: "10000",
    TEAM_MAX_RUNS_PER_HOUR: "1000000",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "fatal",
  });
  const harness = await startApiHarness({ workerConcurrency: 500 });
  const fixture = await publishFixture(harness.db, {
    email: "bench@example.com",
    slug: "bench",
    document: replayWorkflow("ok"),
    keyOptions: { rateLimitPerMinute: 100_000_000 },
  });
  const { startEndpointRun } = await import("~/server/publish/endpoint-runs");
  const { followRun, waitForRunEnd } = await import("~/server/realtime/run-feed");
  const { buildAgent } = await import("~/agents");
  const { agentSpecSchema } = await import("~/graph/agent-spec");
  const { createAgentDeps, withInstallationDefaults } = await import("~/server/runs/agent-deps");

  const endpointRow = await harness.db.endpoint.findUniqueOrThrow({
    where: { id: fixture.endpointId },
    include: { team: { select: { id: true, slug: true } } },
  });
  const endpoint = { ...endpointRow, workflowVersionId: endpointRow.workflowVersionId! };
  const start = () => startEndpointRun(harness.db, { endpoint, input: { task: "bench" }, source: "api" });

  // Warm up every path (compile caches, prepared statements, JIT).
  for (let i = 0; i < 20; i++) {
    const { runId } = await start().catch(() => start());
    await waitForRunEnd(harness.db, runId, 30_000);
    await timeSync(harness.base, `/api/v1/endpoints/${fixture.teamSlug}/bench/runs`, fixture.key);
    await timeFirstSseEvent(harness.base, `/api/v1/endpoints/${fixture.teamSlug}/bench/runs`, fixture.key);
  }

  // The engine alone: build the stored spec's agent tree and run it, as the worker does, no storage.
  const { runId: sampleRun } = await start();
  await waitForRunEnd(harness.db, sampleRun, 30_000);
  const stored = await harness.db.run.findUniqueOrThrow({ where: { id: sampleRun }, select: { spec: true } });
  const spec = withInstallationDefaults(agentSpecSchema.parse(stored.spec));
  const agentDeps = createAgentDeps(harness.db);
  const engineRun: number[] = [];
  const engineFirst: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const agent = await buildAgent(spec, agentDeps.depsFor(endpoint.team));
    const run = agent.run("bench", { stream: true });
    let first = true;
    for await (const _event of run) {
      if (first) engineFirst.push(performance.now() - t0);
      first = false;
    }
    await run.result;
    engineRun.push(performance.now() - t0);
    await agent.close();
  }
  await agentDeps.close();

  // Interleaved, one at a time: the run machinery without HTTP (start: compile, store, enqueue;
  // worker; stored events; wait), then the same through HTTP, so drifts of the machine's load hit
  // both alike; the added latency is taken per pair.
  const path = `/api/v1/endpoints/${fixture.teamSlug}/bench/runs`;
  const directRun: number[] = [];
  const directFirst: number[] = [];
  const sync: number[] = [];
  const firstSse: number[] = [];
  const syncAdded: number[] = [];
  const firstAdded: number[] = [];
  let failed = 0;
  let lastFailure = "";
  for (let i = 0; i < samples; i++) {
    try {
      let t0 = performance.now();
      const { runId } = await start();
      await waitForRunEnd(harness.db, runId, 30_000);
      const direct = performance.now() - t0;
      directRun.push(direct);
      const viaHttp = await timeSync(harness.base, path, fixture.key);
      sync.push(viaHttp);
      syncAdded.push(viaHttp - direct);

      t0 = performance.now();
      const { runId: followed } = await start();
      let first = Number.NaN;
      for await (const _event of followRun(harness.db, followed) as AsyncIterable<RunEvent>) {
        if (Number.isNaN(first)) first = performance.now() - t0;
      }
      directFirst.push(first);
      const sseFirst = await timeFirstSseEvent(harness.base, path, fixture.key);
      firstSse.push(sseFirst);
      firstAdded.push(sseFirst - first);
    } catch (error) {
      // A sample whose run could not start (the machine's load) is counted, not timed.
      failed += 1;
      lastFailure = (error as Error).message.split("\n").at(-1) ?? "";
    }
  }

  const ready: ServerReady = {
    type: "ready",
    base: harness.base,
    key: fixture.key,
    path,
    engineRun: percentiles(engineRun),
    engineFirstEvent: percentiles(engineFirst),
    directRun: percentiles(directRun),
    directFirstEvent: percentiles(directFirst),
    sync: percentiles(sync),
    firstSseEvent: percentiles(firstSse),
    syncAdded: percentiles(syncAdded),
    firstSseAdded: percentiles(firstAdded),
    failed,
    lastFailure,
  };
  process.send?.(ready);
  await new Promise<void>((resolve) => process.once("disconnect", () => resolve()));
  await harness.stop();
  await database.drop();
  process.exit(0);
}

/** Time from sending a request to reading its whole synchronous answer. */
async function timeSync(base: string, path: string, key: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ task: "bench" }),
  });
  const body = (await response.json()) as { status?: string };
  if (response.status !== 200 || body.status !== "succeeded") {
    throw new Error(`sync call: ${response.status} ${JSON.stringify(body)}`);
  }
  return performance.now() - t0;
}

/** Time from sending a streaming request to reading its first whole event; the rest is read too. */
async function timeFirstSseEvent(base: string, path: string, key: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ task: "bench", stream: true }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let first = Number.NaN;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (Number.isNaN(first) && /^id: \d+\n/m.test(text) && text.includes("\n\n"))
      first = performance.now() - t0;
  }
  if (!text.includes("event: end")) throw new Error("stream ended without its end event");
  return first;
}

interface RateResult {
  rate: number;
  requests: number;
  achieved: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/** One autocannon round at a fixed request rate (synchronous calls). */
async function load(ready: ServerReady, rate: number, seconds: number): Promise<RateResult> {
  const { default: autocannon } = (await import("autocannon")) as unknown as {
    default: (options: Record<string, unknown>) => Promise<{
      requests: { total: number; average: number };
      latency: { p50: number; p90: number; p99: number; max: number };
      non2xx: number;
      errors: number;
      timeouts: number;
    }>;
  };
  const result = await autocannon({
    url: `${ready.base}${ready.path}`,
    method: "POST",
    headers: { authorization: `Bearer ${ready.key}`, "content-type": "application/json" },
    body: JSON.stringify({ task: "bench" }),
    connections: Math.min(200, Math.max(10, rate)),
    overallRate: rate,
    duration: seconds,
    timeout: 10,
  });
  return {
    rate,
    requests: result.requests.total,
    achieved: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 200);
  const rates = (process.argv[3] ?? "2,5,10,20,40,80").split(",").map(Number);
  const seconds = Number(process.argv[4] ?? 8);
  const server: ChildProcess = fork(fileURLToPath(import.meta.url), ["--serve", String(samples)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    server.once("message", (message) => resolve(message as ServerReady));
    server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const load0 = loadavg()[0]!.toFixed(1);

  const syncP = ready.sync;
  const firstP = ready.firstSseEvent;

  console.log(`\nREST API bench, ${cpus().length} cores, load average ${load0} at start\n`);
  console.log("(a) latency, one call at a time, zero-latency replay model");
  console.log(
    `  engine alone (build + run, no storage):      ${show(ready.engineRun)}; first event ${show(ready.engineFirstEvent)}`,
  );
  console.log(
    `  run machinery, no HTTP (start, worker, wait): ${show(ready.directRun)}; first event ${show(ready.directFirstEvent)}`,
  );
  console.log(`  HTTP sync call (POST …/runs, 200 + result):  ${show(syncP)}`);
  console.log(`  HTTP SSE, first event (POST stream: true):   ${show(firstP)}`);
  console.log(
    `  added over the engine: sync p50 +${round(syncP.p50 - ready.engineRun.p50)} ms, p95 +${round(syncP.p95 - ready.engineRun.p95)} ms; first SSE event p50 +${round(firstP.p50 - ready.engineFirstEvent.p50)} ms, p95 +${round(firstP.p95 - ready.engineFirstEvent.p95)} ms`,
  );
  console.log(
    `  added by HTTP over the run machinery (per pair): sync ${show(ready.syncAdded)}; first SSE event ${show(ready.firstSseAdded)}`,
  );

  if (ready.failed) console.log(`  ${ready.failed} interleaved samples failed (last: ${ready.lastFailure})`);
  console.log(`\n(b) autocannon, synchronous calls at a fixed rate, ${seconds} s per rate`);
  console.log("  rate/s  done/s  requests   p50    p90    p99    max  non-2xx errors");
  const results: RateResult[] = [];
  let failures = 0;
  for (const rate of rates) {
    const result = await load(ready, rate, seconds);
    results.push(result);
    console.log(
      `  ${String(rate).padStart(6)} ${String(round(result.achieved)).padStart(7)} ${String(result.requests).padStart(9)} ${String(result.p50).padStart(6)} ${String(result.p90).padStart(6)} ${String(result.p99).padStart(6)} ${String(result.max).padStart(6)} ${String(result.non2xx).padStart(7)} ${String(result.errors).padStart(6)}`,
    );
    const ok = result.requests > 0 && result.p99 < 100 && result.non2xx === 0 && result.errors === 0;
    failures = ok ? 0 : failures + 1;
    if (failures >= 2) break;
    // Let the runs of the round finish before the next.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const best = results
    .filter((r) => r.requests > 0 && r.p99 < 100 && r.non2xx === 0 && r.errors === 0)
    .at(-1);
  console.log(
    `\n  highest rate with p99 < 100 ms and no errors: ${best ? `${best.rate}/s (p99 ${best.p99} ms)` : "none"}`,
  );
  console.log(`  load average at end ${loadavg()[0]!.toFixed(1)}`);
  console.log(
    JSON.stringify({
      load: load0,
      engineRun: ready.engineRun,
      engineFirstEvent: ready.engineFirstEvent,
      directRun: ready.directRun,
      directFirstEvent: ready.directFirstEvent,
      sync: syncP,
      firstSseEvent: firstP,
      syncAdded: ready.syncAdded,
      firstSseAdded: ready.firstSseAdded,
      failed: ready.failed,
      rates: results,
    }),
  );
  server.disconnect();
  await new Promise((resolve) => server.once("exit", resolve));
}

if (process.argv[2] === "--serve") await serve(Number(process.argv[3] ?? 200));
else await main();
