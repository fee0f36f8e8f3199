import "server-only";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RunEvent } from "~/agents/events";
import type { AgentSpec } from "~/graph/agent-spec";
import { findPrice, type ModelPrice } from "~/lib/run-usage";

/**
 * The process's Prometheus metrics (prom-client), served at /metrics by the web process
 * (src/server/main.ts, before Next: Next's bundles would hold another registry) and by the worker's
 * small HTTP server. The engine knows nothing of them: the run processor, the event writer, the
 * sandbox pool's hooks and the queue report here. Names are documented in docs/observability.md.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: "troupe_" });

const registers = [metricsRegistry];
const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

export const runsStarted = new Counter({
  name: "troupe_runs_started_total",
  help: "Runs this worker claimed and began executing.",
  registers,
});
export const runsFinished = new Counter({
  name: "troupe_runs_finished_total",
  help: "Runs this worker ended, by final status.",
  labelNames: ["status"] as const,
  registers,
});
export const runDuration = new Histogram({
  name: "troupe_run_duration_seconds",
  help: "From a worker claiming a run to its final status, by final status.",
  labelNames: ["status"] as const,
  buckets: seconds,
  registers,
});
export const stepDuration = new Histogram({
  name: "troupe_step_duration_seconds",
  help: "Duration of agent action steps (model call, action, observation).",
  buckets: seconds,
  registers,
});
export const modelCallDuration = new Histogram({
  name: "troupe_model_call_duration_seconds",
  help: "Latency of model calls, by provider and model.",
  labelNames: ["provider", "model"] as const,
  buckets: seconds,
  registers,
});
export const modelTokens = new Counter({
  name: "troupe_model_tokens_total",
  help: "Tokens of model calls, by model and direction (input, output).",
  labelNames: ["model", "direction"] as const,
  registers,
});
export const modelCost = new Counter({
  name: "troupe_model_cost_usd_total",
  help: "Cost of model calls in USD at the team's or the built-in price, by model (models with no known price add nothing).",
  labelNames: ["model"] as const,
  registers,
});
export const activeRuns = new Gauge({
  name: "troupe_active_runs",
  help: "Runs this worker is executing now.",
  registers,
});
export const queueWait = new Histogram({
  name: "troupe_queue_wait_seconds",
  help: "From a run's creation (queued) to a worker claiming it.",
  buckets: seconds,
  registers,
});
export const eventWriteBatchSize = new Histogram({
  name: "troupe_event_write_batch_events",
  help: "Events stored per group commit of the event writer.",
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  registers,
});
export const eventWriteDuration = new Histogram({
  name: "troupe_event_write_duration_seconds",
  help: "Latency of one group commit of run events.",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
});
export const sandboxBoots = new Counter({
  name: "troupe_sandbox_boots_total",
  help: "Pyodide sandbox processes booted by the pool, by outcome (ok, failed).",
  labelNames: ["outcome"] as const,
  registers,
});
export const sandboxBootDuration = new Histogram({
  name: "troupe_sandbox_boot_duration_seconds",
  help: "Boot time of Pyodide sandbox processes.",
  buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32],
  registers,
});
export const sandboxExecutions = new Counter({
  name: "troupe_sandbox_executions_total",
  help: "Code actions run in sandboxes, by sandbox kind and outcome (ok, error, timeout).",
  labelNames: ["kind", "outcome"] as const,
  registers,
});
export const sandboxTimeouts = new Counter({
  name: "troupe_sandbox_timeouts_total",
  help: "Code actions stopped at their sandbox's time limit, by sandbox kind.",
  labelNames: ["kind"] as const,
  registers,
});

/** A gauge whose value is read when Prometheus scrapes (queue depth, pool size, sockets). */
export function observedGauge(name: string, help: string, read: () => number | Promise<number>): Gauge {
  metricsRegistry.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    registers,
    async collect() {
      this.set(await read());
    },
  });
}

/** Like `observedGauge`, with one value per label (e.g. the pool's ready and booting processes). */
export function observedLabelledGauge(
  name: string,
  help: string,
  label: string,
  read: () => Record<string, number>,
): Gauge {
  metricsRegistry.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      for (const [value, count] of Object.entries(read())) this.set({ [label]: value }, count);
    },
  });
}

/** Agent path ("manager/researcher") → the provider of that agent's model, from the run's spec. */
export function modelProviders(spec: AgentSpec, parent: string[] = []): Map<string, string> {
  const path = [...parent, spec.name];
  const providers = new Map([[path.join("/"), spec.model.provider as string]]);
  for (const managed of spec.managedAgents)
    for (const [key, provider] of modelProviders(managed, path)) providers.set(key, provider);
  return providers;
}

/** What the metrics need to know about one run while its events go by. */
export interface RunMetricsContext {
  providers: Map<string, string>;
  prices: readonly ModelPrice[];
  /** Agent path → model id, from each agent's `run_started` event. */
  models: Map<string, string>;
}

/** Record what one run event tells: a step's duration, a model call's latency, tokens and cost. */
export function recordRunEvent(event: RunEvent, run: RunMetricsContext): void {
  const agentKey = event.agentPath.join("/");
  if (event.type === "run_started") {
    run.models.set(agentKey, event.modelId);
  } else if (event.type === "step_finished") {
    const durationMs = event.step.timing.durationMs;
    if (durationMs !== undefined) stepDuration.observe(durationMs / 1000);
  } else if (event.type === "model_output") {
    const model = run.models.get(agentKey) ?? "unknown";
    const provider = run.providers.get(agentKey) ?? "unknown";
    if (event.durationMs !== undefined)
      modelCallDuration.observe({ provider, model }, event.durationMs / 1000);
    const usage = event.tokenUsage;
    if (!usage) return;
    modelTokens.inc({ model, direction: "input" }, usage.inputTokens);
    modelTokens.inc({ model, direction: "output" }, usage.outputTokens);
    const price = findPrice(model, run.prices);
    if (price) {
      modelCost.inc(
        { model },
        (usage.inputTokens * price.inputUsdPerMillion + usage.outputTokens * price.outputUsdPerMillion) /
          1_000_000,
      );
    }
  }
}

/** Record one code action's outcome (`errorType` from the sandbox's answer: Timeout, SyntaxError…). */
export function recordSandboxExecution(kind: string, errorType: string | undefined): void {
  const outcome = errorType === undefined ? "ok" : errorType === "Timeout" ? "timeout" : "error";
  sandboxExecutions.inc({ kind, outcome });
  if (outcome === "timeout") sandboxTimeouts.inc({ kind });
}

/** Record one boot of the sandbox pool. */
export function recordSandboxBoot(boot: { ok: boolean; durationMs: number }): void {
  sandboxBoots.inc({ outcome: boot.ok ? "ok" : "failed" });
  if (boot.ok) sandboxBootDuration.observe(boot.durationMs / 1000);
}

/** Record one group commit of the event writer: how many events, how long it took. */
export function recordEventWrite(events: number, durationMs: number): void {
  eventWriteBatchSize.observe(events);
  eventWriteDuration.observe(durationMs / 1000);
}
