import "server-only";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { env } from "~/env";
import type { Logger } from "~/server/logger";

/**
 * The OpenTelemetry tracing SDK of a server process (web in embedded mode, worker): started only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, exporting over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`.
 * The engine creates its spans through `@opentelemetry/api` alone (src/agents/telemetry.ts), which
 * are no-ops until this registers a provider. Returns a function flushing and stopping the SDK.
 */
export function startTracing(options: { service: string; logger: Logger }): () => Promise<void> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return async () => {};
  const contextManager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(contextManager.enable());
  const exporter = new OTLPTraceExporter({
    url: `${endpoint.replace(/\/+$/, "")}/v1/traces`,
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS },
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? options.service }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1_000 })],
  });
  trace.setGlobalTracerProvider(provider);
  options.logger.info(
    { endpoint, captureContent: env.OTEL_CAPTURE_CONTENT },
    "exporting traces over OTLP/HTTP",
  );
  return async () => {
    await provider.shutdown().catch((error: unknown) => options.logger.warn({ err: error }, "trace export"));
    trace.disable();
    context.disable();
  };
}
