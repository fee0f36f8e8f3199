import type { HttpInputPlacement } from "~/graph/agent-spec";
import { defaultOutboundGuard } from "../net/guarded-fetch";
import { Tool, type ToolContext, type ToolInput, type ToolValueType, timeoutSignal } from "./tool";

export interface HttpToolOptions {
  name: string;
  description: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** URL template; `{arg}` placeholders are filled (URL-encoded) from the arguments. */
  url: string;
  /** Sent with every request, after the arguments' headers (so an argument cannot replace them). */
  headers: Record<string, string>;
  /** Query parameters sent with every request (an API key from a secret). */
  query?: Record<string, string>;
  inputs: Record<string, ToolInput>;
  /** Where each input goes; an input without a placement follows the original rule (see `forward`). */
  params?: Record<string, HttpInputPlacement>;
  outputType: ToolValueType;
  /** Default: the guarded fetch with no exceptions (public addresses only). */
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  maxChars?: number;
}

const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A query or header value as text: arrays and objects as JSON, the rest as `String` writes them. */
function asText(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * A tool that calls an HTTP API. Each argument goes where its placement says: a URL path
 * placeholder, a query parameter (an array repeats it), a header, the whole JSON body or a field of
 * it. An argument without a placement fills its URL placeholder if there is one, else goes in the
 * query (GET, DELETE) or the JSON body (the rule HTTP tools had before placements).
 */
export class HttpTool extends Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, ToolInput>;
  readonly outputType: ToolValueType;

  constructor(private readonly options: HttpToolOptions) {
    super();
    this.name = options.name;
    this.description = options.description;
    this.inputs = options.inputs;
    this.outputType = options.outputType;
    this.validateDefinition();
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    const { method, params } = this.options;
    const inTemplate = new Set([...this.options.url.matchAll(placeholder)].map((match) => match[1]!));
    const url = new URL(
      this.options.url.replace(placeholder, (_, key: string) =>
        encodeURIComponent(args[key] === undefined || args[key] === null ? "" : asText(args[key])),
      ),
    );
    const bodyMethod = method !== "GET" && method !== "DELETE";
    const headers: Record<string, string> = {};
    const fields: Record<string, unknown> = {};
    let body: unknown;
    let hasBody = bodyMethod && params === undefined;
    for (const [key, value] of Object.entries(args)) {
      const placement = params?.[key];
      if (!placement) {
        // The original rule, unchanged for documents written before placements.
        if (inTemplate.has(key)) continue;
        if (bodyMethod) fields[key] = value;
        else url.searchParams.set(key, String(value));
        continue;
      }
      if (value === undefined || value === null) continue;
      const wireName = placement.name ?? key;
      switch (placement.in) {
        case "path":
          break;
        case "query":
          for (const item of Array.isArray(value) ? value : [value])
            url.searchParams.append(wireName, asText(item));
          break;
        case "header":
          headers[wireName.toLowerCase()] = asText(value);
          break;
        case "body":
          body = value;
          hasBody = true;
          break;
        case "bodyField":
          fields[wireName] = value;
          hasBody = true;
          break;
      }
    }
    if (params !== undefined && bodyMethod && Object.keys(fields).length > 0) hasBody = true;
    // A GET carries no body (fetch refuses one).
    if (method === "GET") hasBody = false;
    for (const [key, value] of Object.entries(this.options.query ?? {})) url.searchParams.set(key, value);
    for (const [key, value] of Object.entries(this.options.headers)) headers[key.toLowerCase()] = value;
    if (body === undefined) body = fields;
    else if (Object.keys(fields).length > 0 && typeof body === "object" && !Array.isArray(body))
      body = { ...(body as Record<string, unknown>), ...fields };
    const timeout = timeoutSignal(context.signal, this.options.timeoutMs ?? 30_000);
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? defaultOutboundGuard().fetch())(url, {
        method,
        headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...headers },
        body: hasBody ? JSON.stringify(body) : undefined,
        signal: timeout.signal,
      });
      text = (await response.text()).slice(0, this.options.maxChars ?? 50_000);
    } finally {
      timeout.clear();
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
    if (this.outputType === "string") return text;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
}
