import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * A real OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` with the JSON encoding of
 * OTLP (what `@opentelemetry/exporter-trace-otlp-http` sends), decodes and validates every payload
 * and keeps the spans, flattened with their attributes decoded. Listens on 127.0.0.1, port 0.
 */

const anyValueSchema: z.ZodType<OtlpAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.number().optional(),
    arrayValue: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
  }),
);
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
const keyValueSchema = z.object({ key: z.string(), value: anyValueSchema });
const spanSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number().int(),
  startTimeUnixNano: z.union([z.string(), z.number()]),
  endTimeUnixNano: z.union([z.string(), z.number()]),
  attributes: z.array(keyValueSchema).default([]),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});
const exportRequestSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: z.array(keyValueSchema).default([]) }).optional(),
      scopeSpans: z.array(
        z.object({ scope: z.object({ name: z.string() }).optional(), spans: z.array(spanSchema) }),
      ),
    }),
  ),
});

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

/** One received span, attributes decoded. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  scope: string | undefined;
  service: string | undefined;
  attributes: Record<string, AttributeValue>;
  statusCode: number;
}

function decode(value: OtlpAnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decode);
  return null;
}

const attributesOf = (list: z.infer<typeof keyValueSchema>[]) =>
  Object.fromEntries(list.map((entry) => [entry.key, decode(entry.value)]));

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Every request body as received (to search for text that must not be there). */
  readonly rawBodies: string[];
  /** Payloads that did not decode (a test expects none). */
  readonly rejected: string[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rawBodies: string[] = [];
  const rejected: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.method !== "POST" || req.url !== "/v1/traces" || !req.headers["content-type"]?.includes("json")) {
      rejected.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      res.writeHead(404).end();
      return;
    }
    rawBodies.push(body);
    const parsed = exportRequestSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      rejected.push(parsed.error.message);
      res.writeHead(400).end();
      return;
    }
    for (const resourceSpans of parsed.data.resourceSpans) {
      const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            scope: scopeSpans.scope?.name,
            service: typeof resource["service.name"] === "string" ? resource["service.name"] : undefined,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
          });
        }
      }
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    rawBodies,
    rejected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
