import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allowedOriginSchema, allowedOriginsSchema } from "~/lib/allowed-origins";
import {
  API_KEY_PLACEHOLDER,
  API_KEY_VARIABLE,
  apiSnippets,
  endpointRunsUrl,
  iframeSnippet,
  shellQuote,
} from "~/lib/api-snippets";
import { ENDPOINT_SLUG_PATTERN, suggestEndpointSlug } from "~/lib/endpoint-slug";

/**
 * The endpoint page's snippets: each one is real code in its language, filled with the origin and slugs,
 * and the curl commands survive a real shell with a hostile task (quotes, $, backticks, newlines).
 */
const hostileTask = `It's "quoted" $HOME \`id\` $(id) \\ back\\slash\nnew line ! * ? ; & | 🎭`;
const target = {
  origin: "https://troupe.example.com/",
  teamSlug: "acme-labs",
  endpointSlug: "research-bot",
  task: hostileTask,
};
const snippets = apiSnippets(target);
const code = (id: string) => {
  const snippet = snippets.find((s) => s.id === id);
  if (!snippet) throw new Error(`no snippet ${id}`);
  return snippet.code;
};
const scratch = mkdtempSync(path.join(tmpdir(), "snippets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run a curl snippet in bash with `curl` replaced by a function that prints its arguments, NUL-separated. */
function curlArguments(command: string, key: string): string[] {
  const script = `curl() { printf '%s\\0' "$@"; }\n${command}\n`;
  const output = execFileSync("bash", ["-c", script], {
    env: { ...process.env, HOME: "/nonexistent", [API_KEY_VARIABLE]: key },
    encoding: "utf8",
  });
  return output.split("\0").slice(0, -1);
}

function argumentAfter(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? ""] : []));
}

describe("API snippets", () => {
  it("offers curl (sync and stream), fetch, the openai clients, Python requests and an MCP config", () => {
    expect(snippets.map((s) => s.id)).toEqual([
      "curl",
      "curl-stream",
      "javascript",
      "openai-js",
      "python",
      "openai-python",
      "mcp",
    ]);
    expect(endpointRunsUrl(target)).toBe(
      "https://troupe.example.com/api/v1/endpoints/acme-labs/research-bot/runs",
    );
  });

  it("writes curl commands that a shell runs with the exact URL, key header and JSON body", () => {
    const key = "trp_secret'key$with`odd\"chars";
    for (const [id, stream] of [
      ["curl", false],
      ["curl-stream", true],
    ] as const) {
      const args = curlArguments(code(id), key);
      expect(args).toContain("https://troupe.example.com/api/v1/endpoints/acme-labs/research-bot/runs");
      expect(args.includes("-N")).toBe(stream);
      expect(argumentAfter(args, "-X")).toEqual(["POST"]);
      expect(argumentAfter(args, "-H")).toEqual([
        `Authorization: Bearer ${key}`,
        "Content-Type: application/json",
      ]);
      const [body] = argumentAfter(args, "--data-raw");
      expect(JSON.parse(body ?? "")).toEqual(
        stream ? { task: hostileTask, stream: true } : { task: hostileTask },
      );
    }
    expect(code("curl")).not.toContain(key);
  });

  it("quotes any word for a POSIX shell", () => {
    for (const word of ["", "plain", "it's", "'''", "$(rm -rf /)", "a\nb"]) {
      const echoed = execFileSync("bash", ["-c", `printf '%s' ${shellQuote(word)}`], { encoding: "utf8" });
      expect(echoed).toBe(word);
    }
  });

  it("writes JavaScript that Node parses, with the task, URL, model and key variable", () => {
    for (const id of ["javascript", "openai-js"]) {
      const file = path.join(scratch, `${id}.mjs`);
      writeFileSync(file, code(id));
      execFileSync(process.execPath, ["--check", file]);
      expect(code(id)).toContain(`process.env.${API_KEY_VARIABLE}`);
      expect(code(id)).toContain(JSON.stringify(hostileTask));
    }
    expect(code("openai-js")).toContain('baseURL: "https://troupe.example.com/api/v1"');
    expect(code("openai-js")).toContain('model: "research-bot"');
  });

  it("writes Python that parses, whose task literal is the task", () => {
    for (const id of ["python", "openai-python"]) {
      const program = `import ast, sys\nsource = sys.stdin.read()\ntree = ast.parse(source)\nprint(repr([n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("It's")][0]))`;
      const printed = execFileSync("python3", ["-c", program], { input: code(id), encoding: "utf8" }).trim();
      const literal = execFileSync("python3", ["-c", "import sys; print(repr(sys.stdin.read()))"], {
        input: hostileTask,
        encoding: "utf8",
      }).trim();
      expect(printed).toBe(literal);
    }
    expect(code("openai-python")).toContain('base_url="https://troupe.example.com/api/v1"');
  });

  it("gives an MCP client configuration with the server URL and the key's placeholder", () => {
    expect(JSON.parse(code("mcp"))).toEqual({
      mcpServers: {
        "troupe-acme-labs": {
          type: "http",
          url: "https://troupe.example.com/api/v1/mcp",
          headers: { Authorization: `Bearer ${API_KEY_PLACEHOLDER}` },
        },
      },
    });
  });

  it("embeds a share link in an iframe with escaped attributes", () => {
    expect(iframeSnippet("https://troupe.example.com", "tok_123", 'Say "hi" & <go>')).toBe(
      '<iframe src="https://troupe.example.com/share/tok_123" title="Say &quot;hi&quot; &amp; &lt;go>" width="100%" height="640" style="border:0;border-radius:12px" allow="clipboard-write"></iframe>',
    );
  });
});

describe("endpoint slugs and allowed origins", () => {
  it("suggests a valid slug from any workflow name", () => {
    expect(suggestEndpointSlug("Research Bot (v2)!")).toBe("research-bot-v2");
    expect(suggestEndpointSlug("Café Crème")).toBe("cafe-creme");
    expect(suggestEndpointSlug("🎭")).toBe("endpoint");
    const long = suggestEndpointSlug(`${"a".repeat(47)} b c`);
    expect(long).toMatch(ENDPOINT_SLUG_PATTERN);
    expect(long.length).toBeLessThanOrEqual(48);
  });

  it("accepts scheme://host[:port] origins in canonical form and names what is wrong otherwise", () => {
    expect(allowedOriginSchema.parse("HTTPS://App.Example.com:443")).toBe("https://app.example.com");
    expect(allowedOriginSchema.parse("http://localhost:5173/")).toBe("http://localhost:5173");
    const refusal = (value: string) => allowedOriginSchema.safeParse(value).error?.issues[0]?.message;
    expect(refusal("https://app.example.com/path")).toMatch(/no path/);
    expect(refusal("https://app.example.com?q=1")).toMatch(/no path, query/);
    expect(refusal("ftp://app.example.com")).toMatch(/http:\/\/ or https:\/\//);
    expect(refusal("https://user:pw@app.example.com")).toMatch(/user name/);
    expect(refusal("app.example.com")).toMatch(/not an origin/);
    expect(allowedOriginsSchema.parse(["https://a.example", "https://A.example/"])).toEqual([
      "https://a.example",
    ]);
    const many = Array.from({ length: 21 }, (_, i) => `https://o${i}.example`);
    expect(allowedOriginsSchema.safeParse(many).error?.issues[0]?.message).toBe("At most 20 origins.");
  });
});
