import { NodeHtmlMarkdown } from "node-html-markdown";
import { defaultOutboundGuard } from "../net/guarded-fetch";
import { Tool, type ToolContext, type ToolInput, type ToolValueType, timeoutSignal } from "./tool";

export interface VisitWebpageOptions {
  /** Default: the guarded fetch with no exceptions (public addresses only). */
  fetch?: typeof globalThis.fetch;
  /** Cap on the returned Markdown (characters); truncation is marked. */
  maxChars?: number;
  timeoutMs?: number;
  /** Cap on the downloaded body (bytes) before conversion. */
  maxBytes?: number;
}

/** Shorten text to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n..._This content has been truncated to stay below ${max} characters (${text.length - max} cut)_...\n${text.slice(-half)}`;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/** `visit_webpage(url)`: fetch a page and return it as Markdown, capped, with a timeout. */
export class VisitWebpageTool extends Tool {
  readonly name = "visit_webpage";
  readonly description = "Visits a webpage at the given url and reads its content as a markdown string.";
  readonly inputs: Record<string, ToolInput> = {
    url: { type: "string", description: "The url of the webpage to visit." },
  };
  readonly outputType: ToolValueType = "string";

  constructor(private readonly options: VisitWebpageOptions = {}) {
    super();
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    const url = String(args.url);
    if (!/^https?:\/\//i.test(url)) return `Error: only http(s) URLs can be visited, got '${url}'`;
    const fetchImpl = this.options.fetch ?? defaultOutboundGuard().fetch();
    const timeout = timeoutSignal(context.signal, this.options.timeoutMs ?? 20_000);
    let response: Response;
    let body: string;
    try {
      response = await fetchImpl(url, {
        headers: { "User-Agent": "Mozilla/5.0 (compatible; TroupeAgent/1.0)" },
        signal: timeout.signal,
      });
      if (!response.ok) return `Error fetching the webpage: HTTP ${response.status}`;
      body = await readCapped(response, this.options.maxBytes ?? 5_000_000);
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (timeout.signal.aborted) return "The request timed out. Please try again later or check the URL.";
      return `Error fetching the webpage: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      timeout.clear();
    }
    const type = response.headers.get("content-type") ?? "";
    const markdown =
      type.includes("html") || /<html|<body|<p[\s>]/i.test(body) ? NodeHtmlMarkdown.translate(body) : body;
    return truncate(markdown.replace(/\n{3,}/g, "\n\n").trim(), this.options.maxChars ?? 40_000);
  }
}
