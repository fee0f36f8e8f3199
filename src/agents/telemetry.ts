import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { ChatMessage } from "./models/model";

/**
 * The engine's traces, through the OpenTelemetry API only: without an SDK registered by the host
 * (src/server/observability/tracing.ts) every span is a no-op. Names and attributes follow the
 * OpenTelemetry GenAI semantic conventions: `invoke_agent <agent>`, `chat <model>`,
 * `execute_tool <tool>`; the engine adds `step <n>`, `planning <n>` and `sandbox <kind>` spans.
 */

export const TRACER_NAME = "troupe.agents";

/**
 * Whether a run's spans carry prompt, completion, tool and code text: a function every such text
 * passes through first (the host's secret redactor), or undefined for none.
 */
export type TraceContent = (text: string) => string;

/** Span names and attribute keys, one place. */
export const traceAttributes = {
  runId: "troupe.run.id",
  agentPath: "troupe.agent.path",
  agentState: "troupe.agent.state",
  stepNumber: "troupe.step.number",
  sandboxKind: "troupe.sandbox.kind",
  sandboxError: "troupe.sandbox.error_type",
  code: "troupe.sandbox.code",
  operation: "gen_ai.operation.name",
  agentName: "gen_ai.agent.name",
  system: "gen_ai.system",
  provider: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  finishReasons: "gen_ai.response.finish_reasons",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  toolName: "gen_ai.tool.name",
  toolArguments: "gen_ai.tool.call.arguments",
  toolResult: "gen_ai.tool.call.result",
  errorType: "error.type",
} as const;

const tracer = () => trace.getTracer(TRACER_NAME);

/**
 * Run `work` inside a new span (a child of `parent`, default the active context) that is the
 * active span for everything `work` awaits. A thrown error is recorded on the span and rethrown.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markSpanFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Record an error on a span and set its status to error. */
export function markSpanFailed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(traceAttributes.errorType, error instanceof Error ? error.name : "Error");
}

/** The context of the active span, to parent spans started from callbacks outside it (sandbox tool calls). */
export function activeTraceContext(): Context {
  return context.active();
}

/** Run `work` with `parent` as the active trace context. */
export function withTraceContext<T>(parent: Context, work: () => T): T {
  return context.with(parent, work);
}

/** Messages as the GenAI conventions record them (role and text parts; images named, not inlined). */
export function messagesForTrace(messages: readonly ChatMessage[], content: TraceContent): string {
  return JSON.stringify(
    messages.map((message) => ({
      role: message.role,
      parts:
        typeof message.content === "string"
          ? [{ type: "text", content: content(message.content) }]
          : message.content.map((part) =>
              part.type === "text" ? { type: "text", content: content(part.text) } : { type: "image" },
            ),
    })),
  );
}

/** Any value as trace text, through the content function. */
export function valueForTrace(value: unknown, content: TraceContent): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return content(text);
}

export { SpanKind };
