import "server-only";
import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { RunEvent } from "~/agents/events";
import { traceAttributes } from "~/agents/telemetry";
import type { AgentSpec } from "~/graph/agent-spec";
import type { RunStatus } from "~/lib/run-status";
import type { ModelPrice } from "~/lib/run-usage";
import {
  activeRuns,
  modelProviders,
  queueWait,
  type RunMetricsContext,
  recordRunEvent,
  runDuration,
  runsFinished,
  runsStarted,
} from "./metrics";

/** The tracer of the server's own spans (the engine's are `troupe.agents`). */
const tracer = () => trace.getTracer("troupe.server");

/** One claimed run's span and metrics, from its claim to its final status. */
export interface RunTelemetry {
  /** The run span's context: the engine's `invoke_agent` spans start beneath it. */
  readonly traceContext: Context;
  /** The spec the run executes (names the span, gives each agent's model provider). */
  recordSpec(spec: AgentSpec): void;
  /** Each engine event as it goes by (steps, model calls, tokens, cost). */
  event(event: RunEvent): void;
  /** The run is over: its final status, or undefined when no status was written (lost to another worker). */
  end(status: RunStatus | undefined): void;
}

/** What the telemetry reads off a claimed run (src/server/runs/run-store.ts ClaimedRun). */
export interface ClaimedRunFacts {
  id: string;
  teamId: string;
  teamSlug: string;
  attempt: number;
  workflowId: string | null;
  workflowVersionId: string | null;
  createdAt: Date;
  prices: readonly ModelPrice[];
}

/**
 * Start a claimed run's telemetry: the `run` span (the root of the run's trace, with the run id,
 * team, workflow and version), the started counter, the queue wait and the active-runs gauge.
 */
export function startRunTelemetry(run: ClaimedRunFacts): RunTelemetry {
  const claimedAt = performance.now();
  runsStarted.inc();
  activeRuns.inc();
  queueWait.observe(Math.max(0, Date.now() - new Date(run.createdAt).getTime()) / 1000);
  const span: Span = tracer().startSpan("run", {
    kind: SpanKind.SERVER,
    root: true,
    attributes: {
      [traceAttributes.runId]: run.id,
      "troupe.team.id": run.teamId,
      "troupe.team.slug": run.teamSlug,
      "troupe.run.attempt": Number(run.attempt),
      ...(run.workflowId ? { "troupe.workflow.id": run.workflowId } : {}),
      ...(run.workflowVersionId ? { "troupe.workflow.version.id": run.workflowVersionId } : {}),
    },
  });
  const metrics: RunMetricsContext = { providers: new Map(), prices: run.prices, models: new Map() };
  return {
    traceContext: trace.setSpan(context.active(), span),
    recordSpec(spec) {
      span.updateName(`run ${spec.name}`);
      metrics.providers = modelProviders(spec);
    },
    event(event) {
      recordRunEvent(event, metrics);
    },
    end(status) {
      activeRuns.dec();
      if (status) {
        runsFinished.inc({ status });
        runDuration.observe({ status }, (performance.now() - claimedAt) / 1000);
        span.setAttribute("troupe.run.status", status);
        if (status !== "succeeded") span.setStatus({ code: SpanStatusCode.ERROR, message: status });
      }
      span.end();
    },
  };
}
