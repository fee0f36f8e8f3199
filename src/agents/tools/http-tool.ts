import { defaultOutboundGuard } from "../net/guarded-fetch";
import { Tool, type ToolContext, type ToolInput, type ToolValueType, timeoutSignal } from "./tool";

export interface HttpToolOptions {
  name: string;
  description: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** URL template; `{arg}` placeholders are filled (URL-encoded) from the arguments. */
  url: string;
  headers: Record<string, string>;
  inputs: Record<string, ToolInput>;
  outputType: ToolValueType;
  /** Default: the guarded fetch with no exceptions (public addresses only). */
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  maxChars?: number;
}

/** A tool that calls an HTTP API: placeholders fill the URL, other arguments go in the query or JSON body. */
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
    const used = new Set<string>();
    const url = new URL(
      this.options.url.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, key: string) => {
        used.add(key);
        return encodeURIComponent(String(args[key] ?? ""));
      }),
    );
    const rest = Object.fromEntries(Object.entries(args).filter(([key]) => !used.has(key)));
    const hasBody = this.options.method !== "GET" && this.options.method !== "DELETE";
    if (!hasBody) for (const [key, value] of Object.entries(rest)) url.searchParams.set(key, String(value));
    const timeout = timeoutSignal(context.signal, this.options.timeoutMs ?? 30_000);
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? defaultOutboundGuard().fetch())(url, {
        method: this.options.method,
        headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...this.options.headers },
        body: hasBody ? JSON.stringify(rest) : undefined,
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
