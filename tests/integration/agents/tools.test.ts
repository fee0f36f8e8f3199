import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "~/agents/executors";
import { createGuardedFetch } from "~/agents/net/guarded-fetch";
import { HttpTool } from "~/agents/tools/http-tool";
import { PythonInterpreterTool } from "~/agents/tools/python-interpreter-tool";
import { PythonSourceTool } from "~/agents/tools/python-source-tool";
import { SpeechToTextTool } from "~/agents/tools/speech-to-text-tool";
import type { ToolContext } from "~/agents/tools/tool";
import { VisitWebpageTool } from "~/agents/tools/visit-webpage-tool";
import { DuckDuckGoHtmlBackend, WebSearchTool } from "~/agents/tools/web-search-tool";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/** The base toolbox against local HTTP servers (no internet) and a real local sandbox. */

const context = (signal = new AbortController().signal): ToolContext => ({
  signal,
  agentPath: ["agent"],
  requestUserInput: async () => "",
  run: undefined,
});

const ddgHtml = `<html><body>
<div class="result results_links"><h2 class="result__title">
<a rel="nofollow" class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.org%2Fparis&amp;rut=x">Paris &amp; its <b>population</b></a></h2>
<a class="result__snippet" href="#">Paris has 2.1 million inhabitants.</a></div>
<div class="result results_links"><h2 class="result__title">
<a rel="nofollow" class="result__a" href="https://example.org/berlin">Berlin</a></h2>
<a class="result__snippet" href="#">Berlin has 3.9 million.</a></div>
</body></html>`;

let web: Server;
let origin: string;
let openai: OpenAITestServer;
const seen: string[] = [];
/** Tools refuse loopback by default; these tests allow their own servers, as OUTBOUND_ALLOW would. */
let allowed: typeof fetch;

beforeAll(async () => {
  web = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    seen.push(`${request.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/html/") {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(url.searchParams.get("q") === "nothing" ? "<html></html>" : ddgHtml);
    } else if (url.pathname === "/page") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(
        `<html><head><title>T</title><script>var x=1</script></head><body><h1>Title</h1><p>Some <b>bold</b> text with a <a href="https://example.org">link</a>.</p><ul><li>one</li><li>two</li></ul>${"<p>filler paragraph</p>".repeat(2000)}</body></html>`,
      );
    } else if (url.pathname === "/slow") {
      setTimeout(() => response.end("late"), 3_000);
    } else if (url.pathname === "/api/items/42") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id: 42,
          auth: request.headers.authorization ?? null,
          q: url.searchParams.get("verbose"),
        }),
      );
    } else if (url.pathname === "/api/items" && request.method === "POST") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.writeHead(201, { "content-type": "application/json" });
        response.end(JSON.stringify({ created: JSON.parse(body) }));
      });
    } else {
      response.writeHead(404);
      response.end("missing");
    }
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  openai = await startOpenAIServer();
  allowed = createGuardedFetch({ allow: [new URL(origin).host, new URL(openai.url).host] });
});
afterAll(async () => {
  web.closeAllConnections();
  await new Promise((resolve) => web.close(resolve));
  await openai.close();
});

describe("web_search", () => {
  it("parses DuckDuckGo HTML results, unwrapping redirect links", async () => {
    const tool = new WebSearchTool(new DuckDuckGoHtmlBackend({ baseUrl: `${origin}/html/`, fetch: allowed }));
    const text = (await tool.call({ query: "paris population" }, context())) as string;
    expect(text).toContain(
      "[Paris & its population](https://example.org/paris)\nParis has 2.1 million inhabitants.",
    );
    expect(text).toContain("[Berlin](https://example.org/berlin)");
    expect(seen).toContain("GET /html/?q=paris+population");
    expect(await tool.call({ query: "nothing" }, context())).toMatch(/No results found/);
  });

  it("takes any backend", async () => {
    const tool = new WebSearchTool({ search: async (query) => [{ title: query, url: "u", snippet: "s" }] });
    expect(await tool.call({ query: "q" }, context())).toContain("[q](u)\ns");
  });
});

describe("visit_webpage", () => {
  it("returns the page as Markdown, capped", async () => {
    const tool = new VisitWebpageTool({ maxChars: 2_000, fetch: allowed });
    const text = (await tool.call({ url: `${origin}/page` }, context())) as string;
    expect(text).toContain("# Title");
    expect(text).toContain("Some **bold** text with a [link](https://example.org).");
    expect(text).not.toContain("var x=1");
    expect(text.length).toBeLessThan(2_200);
    expect(text).toMatch(/truncated to stay below 2000 characters/);
  });

  it("times out and reports HTTP errors as text the model can read", async () => {
    const tool = new VisitWebpageTool({ timeoutMs: 300, fetch: allowed });
    expect(await tool.call({ url: `${origin}/slow` }, context())).toMatch(/timed out/);
    expect(await tool.call({ url: `${origin}/missing` }, context())).toMatch(/HTTP 404/);
    expect(await tool.call({ url: "file:///etc/passwd" }, context())).toMatch(/only http\(s\)/);
  });
});

describe("speech_to_text", () => {
  it("sends audio to an OpenAI-compatible transcription endpoint", async () => {
    openai.transcription = "hello from the audio";
    const tool = new SpeechToTextTool({
      baseUrl: openai.url,
      apiKey: "sk-x",
      model: "whisper-test",
      fetch: allowed,
    });
    const audio = `data:audio/wav;base64,${Buffer.from("RIFF fake wav").toString("base64")}`;
    expect(await tool.call({ audio }, context())).toBe("hello from the audio");
    const request = openai.requests.at(-1)!;
    expect(request.path).toBe("/v1/audio/transcriptions");
    expect(request.rawBody).toContain("whisper-test");
    expect(request.rawBody).toContain("RIFF fake wav");
  });
});

describe("http tools", () => {
  it("fills URL placeholders, adds secret headers and parses JSON", async () => {
    const get = new HttpTool({
      name: "get_item",
      description: "Get an item",
      method: "GET",
      url: `${origin}/api/items/{id}`,
      headers: { authorization: "Bearer s3cret" },
      fetch: allowed,
      inputs: {
        id: { type: "integer", description: "id" },
        verbose: { type: "boolean", description: "", nullable: true },
      },
      outputType: "object",
    });
    expect(await get.call({ id: 42, verbose: true }, context())).toEqual({
      id: 42,
      auth: "Bearer s3cret",
      q: "true",
    });
    const post = new HttpTool({
      name: "create_item",
      description: "Create",
      method: "POST",
      url: `${origin}/api/items`,
      headers: {},
      fetch: allowed,
      inputs: { title: { type: "string", description: "" } },
      outputType: "object",
    });
    expect(await post.call({ title: "new" }, context())).toEqual({ created: { title: "new" } });
  });
});

describe("Python tools in a sandbox", () => {
  it("python_interpreter keeps state between calls and reports errors", async () => {
    const tool = new PythonInterpreterTool(() => createExecutor({ kind: "local" }, { allowLocal: true }));
    try {
      expect(await tool.call({ code: "x = 6\nprint('set')" }, context())).toContain("set");
      expect(await tool.call({ code: "x * 7" }, context())).toContain("42");
      expect(await tool.call({ code: "1/0" }, context())).toMatch(/ZeroDivisionError/);
    } finally {
      await tool.close();
    }
  });

  it("a canvas-written Python tool is callable by a tool-calling agent with typed inputs", async () => {
    const tool = new PythonSourceTool(
      {
        name: "shout",
        description: "",
        source: `def shout(text: str, times: int = 1) -> str:\n    """Shout text.\n\n    Args:\n        text: what to shout\n        times: repetitions\n    """\n    return (text.upper() + "!") * times`,
      },
      () => createExecutor({ kind: "local" }, { allowLocal: true }),
    );
    try {
      expect(tool.description).toBe("Shout text.");
      expect(tool.inputs.times).toMatchObject({ type: "integer", nullable: true });
      expect(await tool.call({ text: "hey", times: 2 }, context())).toBe("HEY!HEY!");
      await expect(tool.call({ text: 3 }, context())).rejects.toThrow(/argument 'text'/);
    } finally {
      await tool.close();
    }
  });

  it("parallel calls to one Python tool each get their own arguments (smolagents runs them apart)", async () => {
    const tool = new PythonSourceTool(
      {
        name: "add",
        description: "Add two numbers.",
        source: `def add(a: int, b: int) -> int:\n    """Add.\n\n    Args:\n        a: first\n        b: second\n    """\n    return a + b`,
      },
      () => createExecutor({ kind: "local" }, { allowLocal: true }),
    );
    try {
      const sums = await Promise.all([
        tool.call({ a: 1, b: 2 }, context()),
        tool.call({ a: 10, b: 20 }, context()),
        tool.call({ a: 100, b: 200 }, context()),
      ]);
      expect(sums).toEqual([3, 30, 300]);
      // A failing call does not hold up the ones after it.
      const [failed, after] = await Promise.allSettled([
        tool.call({ a: 1, b: "x" }, context()),
        tool.call({ a: 4, b: 5 }, context()),
      ]);
      expect(failed.status).toBe("rejected");
      expect(after).toEqual({ status: "fulfilled", value: 9 });
    } finally {
      await tool.close();
    }
  });
});
