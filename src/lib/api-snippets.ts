/**
 * Copy-ready code that calls a published endpoint, filled with the app's real origin, the team's and the
 * endpoint's slugs (pure and browser-safe: the endpoint page renders it). The key is never filled in: code
 * reads it from the `TROUPE_API_KEY` environment variable, and the MCP configuration holds a placeholder.
 */

/** The environment variable every snippet reads the key from. */
export const API_KEY_VARIABLE = "TROUPE_API_KEY";
/** Where the key goes in configuration files that cannot read the environment. */
export const API_KEY_PLACEHOLDER = "YOUR_TROUPE_API_KEY";

/** What the snippets call: the app's origin (APP_URL or the browser's), and the endpoint. */
export interface SnippetTarget {
  origin: string;
  teamSlug: string;
  endpointSlug: string;
  /** The example task the snippets send. */
  task?: string;
}

export type SnippetLanguage = "bash" | "javascript" | "python" | "json";

/** One snippet: a tab of the endpoint page. */
export interface Snippet {
  id: "curl" | "curl-stream" | "javascript" | "openai-js" | "python" | "openai-python" | "mcp";
  label: string;
  language: SnippetLanguage;
  code: string;
}

const DEFAULT_TASK = "What can you do?";

/** The origin without a trailing slash. */
function base(origin: string): string {
  return origin.replace(/\/+$/, "");
}

/** The endpoint's runs URL: `POST` starts a run. */
export function endpointRunsUrl(target: Pick<SnippetTarget, "origin" | "teamSlug" | "endpointSlug">): string {
  return `${base(target.origin)}/api/v1/endpoints/${encodeURIComponent(target.teamSlug)}/${encodeURIComponent(target.endpointSlug)}/runs`;
}

/** The root of the OpenAI-compatible API (the `baseURL` of an OpenAI client). */
export function openAiBaseUrl(origin: string): string {
  return `${base(origin)}/api/v1`;
}

/** The MCP server (Streamable HTTP). */
export function mcpUrl(origin: string): string {
  return `${base(origin)}/api/v1/mcp`;
}

/** A public share link's chat page. */
export function shareUrl(origin: string, token: string): string {
  return `${base(origin)}/share/${encodeURIComponent(token)}`;
}

/** One word for POSIX shells: single-quoted, a single quote written as '\'' (nothing inside expands). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** An HTML attribute value, double-quoted. */
function htmlAttribute(value: string): string {
  return `"${value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;")}"`;
}

/** The `<iframe>` that embeds a share link's chat page in another site. */
export function iframeSnippet(origin: string, token: string, title = "Chat with our agent"): string {
  return `<iframe src=${htmlAttribute(shareUrl(origin, token))} title=${htmlAttribute(title)} width="100%" height="640" style="border:0;border-radius:12px" allow="clipboard-write"></iframe>`;
}

/** A curl command (multi-line, backslash-continued) that runs in any POSIX shell. */
function curlCommand(url: string, body: unknown, stream: boolean): string {
  return [
    `curl${stream ? " -N" : ""} -X POST ${shellQuote(url)}`,
    // Double quotes so that the shell puts the key in; the variable name needs no escaping.
    `-H "Authorization: Bearer $${API_KEY_VARIABLE}"`,
    `-H 'Content-Type: application/json'`,
    `--data-raw ${shellQuote(JSON.stringify(body))}`,
  ].join(" \\\n  ");
}

/** Every snippet for an endpoint, in the order the endpoint page shows them. */
export function apiSnippets(target: SnippetTarget): Snippet[] {
  const url = endpointRunsUrl(target);
  const task = target.task ?? DEFAULT_TASK;
  const jsTask = JSON.stringify(task);
  const slug = JSON.stringify(target.endpointSlug);
  const apiBase = openAiBaseUrl(target.origin);
  return [
    { id: "curl", label: "curl", language: "bash", code: curlCommand(url, { task }, false) },
    {
      id: "curl-stream",
      label: "curl (stream)",
      language: "bash",
      code: curlCommand(url, { task, stream: true }, true),
    },
    {
      id: "javascript",
      label: "JavaScript",
      language: "javascript",
      code: `const response = await fetch(${JSON.stringify(url)}, {
  method: "POST",
  headers: {
    Authorization: \`Bearer \${process.env.${API_KEY_VARIABLE}}\`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({ task: ${jsTask} }),
});
if (!response.ok) throw new Error(\`\${response.status}: \${await response.text()}\`);
const run = await response.json();
console.log(run.output);`,
    },
    {
      id: "openai-js",
      label: "openai (npm)",
      language: "javascript",
      code: `import OpenAI from "openai";

const client = new OpenAI({
  baseURL: ${JSON.stringify(apiBase)},
  apiKey: process.env.${API_KEY_VARIABLE},
});
const completion = await client.chat.completions.create({
  model: ${slug},
  messages: [{ role: "user", content: ${jsTask} }],
});
console.log(completion.choices[0].message.content);`,
    },
    {
      id: "python",
      label: "Python",
      language: "python",
      code: `import os
import requests

response = requests.post(
    ${JSON.stringify(url)},
    headers={"Authorization": f"Bearer {os.environ['${API_KEY_VARIABLE}']}"},
    json={"task": ${jsTask}},
    timeout=300,
)
response.raise_for_status()
print(response.json()["output"])`,
    },
    {
      id: "openai-python",
      label: "openai (Python)",
      language: "python",
      code: `import os
from openai import OpenAI

client = OpenAI(base_url=${JSON.stringify(apiBase)}, api_key=os.environ["${API_KEY_VARIABLE}"])
completion = client.chat.completions.create(
    model=${slug},
    messages=[{"role": "user", "content": ${jsTask}}],
)
print(completion.choices[0].message.content)`,
    },
    {
      id: "mcp",
      label: "MCP",
      language: "json",
      code: JSON.stringify(
        {
          mcpServers: {
            [`troupe-${target.teamSlug}`]: {
              type: "http",
              url: mcpUrl(target.origin),
              headers: { Authorization: `Bearer ${API_KEY_PLACEHOLDER}` },
            },
          },
        },
        null,
        2,
      ),
    },
  ];
}
