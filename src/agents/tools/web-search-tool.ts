import { defaultOutboundGuard } from "../net/guarded-fetch";
import { Tool, type ToolContext, type ToolInput, type ToolValueType, timeoutSignal } from "./tool";

/** One search hit. */
export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** A pluggable search engine behind `web_search` (DuckDuckGo HTML, an API, or a test server). */
export interface WebSearchBackend {
  search(query: string, options: { maxResults: number; signal: AbortSignal }): Promise<SearchResult[]>;
}

const entities: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  "#39": "'",
  "#x27": "'",
  nbsp: " ",
};

function decode(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, name: string) => entities[name] ?? "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * DuckDuckGo's HTML endpoint (or `baseUrl`), parsed without a DOM (result__a links and
 * result__snippet blocks). `fetch` defaults to the guarded fetch with no exceptions.
 */
export class DuckDuckGoHtmlBackend implements WebSearchBackend {
  constructor(
    private readonly options: { fetch?: typeof globalThis.fetch; baseUrl?: string; timeoutMs?: number } = {},
  ) {}

  async search(query: string, { maxResults, signal }: { maxResults: number; signal: AbortSignal }) {
    const url = new URL(this.options.baseUrl ?? "https://html.duckduckgo.com/html/");
    url.searchParams.set("q", query);
    const fetchImpl = this.options.fetch ?? defaultOutboundGuard().fetch();
    const timeout = timeoutSignal(signal, this.options.timeoutMs ?? 20_000);
    let html: string;
    try {
      const response = await fetchImpl(url, {
        headers: { "User-Agent": "Mozilla/5.0 (compatible; TroupeAgent/1.0)" },
        signal: timeout.signal,
      });
      if (!response.ok) throw new Error(`search backend answered ${response.status}`);
      html = await response.text();
    } finally {
      timeout.clear();
    }
    const results: SearchResult[] = [];
    const linkPattern = /<a[^>]*class="[^"]*result__a[^"]*"[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g;
    const snippetPattern =
      /<(?:a|div|td)[^>]*class="[^"]*result__snippet[^"]*"[^>]*>([\s\S]*?)<\/(?:a|div|td)>/g;
    const snippets = [...html.matchAll(snippetPattern)].map((match) => decode(match[1] ?? ""));
    let index = 0;
    for (const match of html.matchAll(linkPattern)) {
      let href = decode(match[1] ?? "");
      const redirect = /[?&]uddg=([^&]+)/.exec(href);
      if (redirect?.[1]) href = decodeURIComponent(redirect[1]);
      results.push({ title: decode(match[2] ?? ""), url: href, snippet: snippets[index] ?? "" });
      index++;
      if (results.length >= maxResults) break;
    }
    return results;
  }
}

/** `web_search(query)`: top results as Markdown. */
export class WebSearchTool extends Tool {
  readonly name = "web_search";
  readonly description =
    "Performs a web search for a query and returns the top results as a list of titles, links and snippets.";
  readonly inputs: Record<string, ToolInput> = {
    query: { type: "string", description: "The search query to perform." },
  };
  readonly outputType: ToolValueType = "string";

  constructor(
    private readonly backend: WebSearchBackend,
    private readonly maxResults = 10,
  ) {
    super();
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    const results = await this.backend.search(String(args.query), {
      maxResults: this.maxResults,
      signal: context.signal,
    });
    if (results.length === 0) return "No results found. Try a less restrictive or shorter query.";
    return `## Search Results\n\n${results.map((r) => `[${r.title}](${r.url})\n${r.snippet}`).join("\n\n")}`;
  }
}
