import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "~/agents/build-agent";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import type { MultiStepAgent } from "~/agents/multi-step-agent";
import { type HostLookup, OutboundGuard, type OutboundPolicy } from "~/agents/net/guarded-fetch";
import type { Tool, ToolContext } from "~/agents/tools/tool";
import { parseEnv } from "~/env";
import type { AgentSpecInput } from "~/graph/agent-spec";

/**
 * Server-side request forgery: everything the server fetches for a user goes through the guarded
 * fetch, which refuses non-public addresses unless OUTBOUND_ALLOW opens them. Real HTTP servers on
 * loopback stand for the internal services an attacker aims at ("internal", never allowed) and for
 * a public site ("site", allowed by its address and port, as an operator would). Every refusal is
 * checked through the real tools as an agent builds them, and the internal server must never see a
 * request.
 */

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );
}

const internalSeen: Seen[] = [];
const internalHandler = (
  request: { url?: string; headers: IncomingHttpHeaders },
  response: import("node:http").ServerResponse,
) => {
  internalSeen.push({ path: request.url ?? "", headers: request.headers });
  response.end("internal secret");
};
const internal = createServer(internalHandler);
const internalV6 = createServer(internalHandler);
const siteSeen: Seen[] = [];
const otherSeen: Seen[] = [];
let internalPort: number;
let internalV6Port: number;
let sitePort: number;
let otherPort: number;
let siteOrigin: string;
let otherOrigin: string;

const site = createServer((request, response) => {
  const path = request.url ?? "/";
  siteSeen.push({ path, headers: request.headers });
  if (path === "/to-internal") {
    response.writeHead(302, { location: `http://127.0.0.1:${internalPort}/admin` }).end();
  } else if (path === "/to-localhost") {
    response.writeHead(301, { location: `http://localhost:${internalPort}/admin` }).end();
  } else if (path === "/to-metadata") {
    response.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/iam/" }).end();
  } else if (path === "/to-file") {
    response.writeHead(302, { location: "file:///etc/passwd" }).end();
  } else if (path.startsWith("/loop")) {
    response.writeHead(302, { location: `/loop${path.length}` }).end();
  } else if (path === "/to-other") {
    response.writeHead(302, { location: `${otherOrigin}/echo` }).end();
  } else if (path === "/to-self") {
    response.writeHead(302, { location: "/echo" }).end();
  } else if (path === "/big") {
    response.writeHead(200, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const write = () => {
      while (sent < 64 && response.write(chunk)) sent++;
      if (sent < 64) response.once("drain", write);
      else response.end();
    };
    write();
  } else if (path === "/slow") {
    setTimeout(() => response.end("late"), 5_000).unref();
  } else if (path === "/audio.wav") {
    response.writeHead(200, { "content-type": "audio/wav" }).end("RIFF fake wav");
  } else {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<html><body><p>public page</p></body></html>");
  }
});
const other = createServer((request, response) => {
  otherSeen.push({ path: request.url ?? "", headers: request.headers });
  response.end("other");
});

/** A resolver as DNS would answer: `public.test` and `loopback.test` both point at 127.0.0.1. */
const lookups: string[] = [];
const testLookup: HostLookup = async (hostname) => {
  lookups.push(hostname);
  if (hostname === "public.test" || hostname === "loopback.test") return ["127.0.0.1"];
  if (hostname === "private.test") return ["10.20.30.40"];
  if (hostname === "mixed.test") return ["93.184.216.34", "127.0.0.1"];
  if (hostname === "rebind.test") {
    // A rebinding resolver: the first answer is the allowed site, any later one an internal host.
    return lookups.filter((name) => name === "rebind.test").length === 1 ? ["127.0.0.1"] : ["10.0.0.1"];
  }
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  if (hostname.endsWith(".test")) throw error;
  const { lookup } = await import("node:dns/promises");
  return (await lookup(hostname, { all: true })).map((entry) => entry.address);
};

let policy: OutboundPolicy;
let guard: OutboundGuard;

beforeAll(async () => {
  internalPort = await listen(internal, "127.0.0.1");
  internalV6Port = await listen(internalV6, "::1");
  sitePort = await listen(site, "127.0.0.1");
  otherPort = await listen(other, "127.0.0.1");
  siteOrigin = `http://127.0.0.1:${sitePort}`;
  otherOrigin = `http://127.0.0.1:${otherPort}`;
  // The operator opens exactly the two "public" servers, by address and port, through the real
  // OUTBOUND_ALLOW parser.
  const env = parseEnv({ OUTBOUND_ALLOW: `127.0.0.1:${sitePort}, 127.0.0.1:${otherPort}` });
  policy = { allow: env.OUTBOUND_ALLOW, lookup: testLookup, timeoutMs: 2_000 };
  guard = new OutboundGuard(policy);
});

afterAll(async () => {
  await guard.close();
  for (const server of [internal, internalV6, site, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The attacks: a URL, and the refusal the model must read. */
const attacks = (): [string, string, RegExp][] => [
  [
    "IPv4 loopback",
    `http://127.0.0.1:${internalPort}/admin`,
    /^Refused: 127\.0\.0\.1 is a loopback address$/,
  ],
  ["IPv6 loopback", `http://[::1]:${internalV6Port}/admin`, /^Refused: ::1 is a loopback address$/],
  ["a private 10/8 address", "http://10.1.2.3/", /^Refused: 10\.1\.2\.3 is a private address$/],
  ["a private 192.168/16 address", "http://192.168.0.1:2375/containers/json", /is a private address$/],
  [
    "the cloud metadata address",
    "http://169.254.169.254/latest/meta-data/",
    /^Refused: 169\.254\.169\.254 is a link-local address$/,
  ],
  ["a unique-local IPv6 address", "http://[fd00::1]/", /^Refused: fd00::1 is a unique-local address$/],
  ["a link-local IPv6 address", "http://[fe80::1]/", /is a link-local address$/],
  [
    "a name resolving to loopback",
    `http://loopback.test:${internalPort}/`,
    /^Refused: loopback\.test resolves to 127\.0\.0\.1, a loopback address$/,
  ],
  [
    "localhost (system resolver)",
    `http://localhost:${internalPort}/`,
    /^Refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/,
  ],
  [
    "a name resolving to a private address",
    "http://private.test/",
    /resolves to 10\.20\.30\.40, a private address$/,
  ],
  [
    "a name with one public and one loopback address",
    `http://mixed.test:${internalPort}/`,
    /resolves to 127\.0\.0\.1, a loopback address$/,
  ],
  [
    "IPv4-mapped IPv6 of loopback",
    `http://[::ffff:127.0.0.1]:${internalPort}/`,
    /^Refused: ::ffff:7f00:1 is an IPv4-mapped address of 127\.0\.0\.1, a loopback address$/,
  ],
  [
    "NAT64 of loopback",
    `http://[64:ff9b::7f00:1]:${internalPort}/`,
    /is a NAT64 address of 127\.0\.0\.1, a loopback address$/,
  ],
  ["decimal IPv4", `http://2130706433:${internalPort}/`, /^Refused: 127\.0\.0\.1 is a loopback address$/],
  ["hex IPv4", `http://0x7f.1:${internalPort}/`, /^Refused: 127\.0\.0\.1 is a loopback address$/],
  ["octal IPv4", `http://0177.0.0.1:${internalPort}/`, /^Refused: 127\.0\.0\.1 is a loopback address$/],
  ["0.0.0.0", `http://0.0.0.0:${internalPort}/`, /^Refused: 0\.0\.0\.0 is an unspecified address$/],
  ["[::]", `http://[::]:${internalPort}/`, /^Refused: :: is an unspecified address$/],
  ["an allowed address on another port", `http://127.0.0.1:${internalPort}/`, /loopback address$/],
  [
    "a public-looking name that redirects to loopback",
    `http://public.test:${sitePort}/to-internal`,
    /^Refused: 127\.0\.0\.1 is a loopback address$/,
  ],
  [
    "an allowed site that redirects to localhost",
    `http://127.0.0.1:${sitePort}/to-localhost`,
    /^Refused: localhost resolves to/,
  ],
  [
    "an allowed site that redirects to the metadata address",
    `http://127.0.0.1:${sitePort}/to-metadata`,
    /169\.254\.169\.254 is a link-local address$/,
  ],
  [
    "an allowed site that redirects to file:",
    `http://127.0.0.1:${sitePort}/to-file`,
    /only http and https URLs can be fetched, not file:$/,
  ],
  ["an endless redirect", `http://127.0.0.1:${sitePort}/loop`, /^Refused: more than 5 redirects/],
];

describe("the guarded fetch", () => {
  it("refuses every non-public destination with a clear message, and reaches none of them", async () => {
    const fetch = guard.fetch();
    for (const [what, url, message] of attacks()) {
      const error = await fetch(url).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(Error);
      expect((error as Error).name, what).toBe("OutboundRefusedError");
      expect((error as Error).message, what).toMatch(message);
    }
    expect(internalSeen).toEqual([]);
  });

  it("refuses schemes other than http and https", async () => {
    const fetch = guard.fetch();
    for (const url of ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1:6379/_INFO"]) {
      await expect(fetch(url)).rejects.toThrow(/^Refused: only http and https URLs can be fetched/);
    }
  });

  it("lets an allowed host through (OUTBOUND_ALLOW with the server's address and port)", async () => {
    const response = await guard.fetch()(`${siteOrigin}/page`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("public page");
    const named = await guard.fetch()(`http://public.test:${sitePort}/page`);
    expect(named.status).toBe(200);
  });

  it("a host-name entry allows that name (on its port), not the address behind it", async () => {
    const byName = new OutboundGuard({ allow: [`localhost:${sitePort}`] });
    try {
      expect((await byName.fetch()(`http://localhost:${sitePort}/page`)).status).toBe(200);
      await expect(byName.fetch()(`http://127.0.0.1:${sitePort}/page`)).rejects.toThrow(/loopback address/);
      await expect(byName.fetch()(`http://localhost:${internalPort}/`)).rejects.toThrow(/loopback address/);
    } finally {
      await byName.close();
    }
  });

  it("resolves a host once and connects to the address it checked (no second resolution)", async () => {
    lookups.length = 0;
    const response = await guard.fetch()(`http://rebind.test:${sitePort}/page`);
    expect(response.status).toBe(200);
    await response.text();
    // undici never resolved the name itself: the system resolver does not know rebind.test.
    expect(lookups.filter((name) => name === "rebind.test")).toEqual(["rebind.test"]);
    expect(internalSeen).toEqual([]);
  });

  it("follows a same-origin redirect with its headers and drops credentials on a cross-origin one", async () => {
    const secret = { name: "ITEM_TOKEN", value: "item-token-value" };
    const fetch = guard.fetch({ secrets: [secret] });
    const headers = {
      authorization: "Bearer item-token-value",
      "x-api-key": "item-token-value",
      cookie: "session=1",
      "x-plain": "kept",
    };
    siteSeen.length = 0;
    await (await fetch(`${siteOrigin}/to-self`, { headers })).text();
    expect(siteSeen.at(-1)?.headers).toMatchObject({
      authorization: headers.authorization,
      "x-plain": "kept",
    });

    otherSeen.length = 0;
    expect(await (await fetch(`${siteOrigin}/to-other`, { headers })).text()).toBe("other");
    const seen = otherSeen.at(-1)!.headers;
    expect(seen["x-plain"]).toBe("kept");
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain("item-token-value");
  });

  it("never sends a bound secret to an origin outside its binding", async () => {
    const bound = {
      name: "API_KEY",
      value: "bound-secret-value",
      allowedOrigins: ["https://api.example.com"],
    };
    otherSeen.length = 0;
    await expect(
      guard.fetch({ secrets: [bound] })(`${otherOrigin}/echo`, {
        headers: { authorization: "Bearer bound-secret-value" },
      }),
    ).rejects.toThrow(
      `Refused: the secret API_KEY is only sent to https://api.example.com, not to ${otherOrigin}`,
    );
    await expect(
      guard.fetch({ secrets: [bound] })(`${otherOrigin}/echo?key=bound-secret-value`),
    ).rejects.toThrow(/the secret API_KEY is only sent to/);
    expect(otherSeen).toEqual([]);
  });

  it("caps the body while it streams, and the time of the whole exchange", async () => {
    const small = guard.fetch({ maxResponseBytes: 256 * 1024 });
    const response = await small(`${siteOrigin}/big`);
    await expect(response.text()).rejects.toThrow(
      `Refused: the response from ${siteOrigin} is larger than 256 KB`,
    );
    const quick = guard.fetch({ timeoutMs: 300 });
    const started = Date.now();
    await expect(quick(`${siteOrigin}/slow`)).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses an OUTBOUND_ALLOW entry it cannot parse, naming it", () => {
    expect(() => parseEnv({ OUTBOUND_ALLOW: "localhost:11434, not a host" })).toThrow(
      /OUTBOUND_ALLOW: "not a host" is not a host, address or CIDR range/,
    );
    expect(parseEnv({ OUTBOUND_ALLOW: "localhost:11434,10.0.0.0/8, [::1]:8080" }).OUTBOUND_ALLOW).toEqual([
      "localhost:11434",
      "10.0.0.0/8",
      "[::1]:8080",
    ]);
  });

  it("the installation's own endpoint is reachable by models only, and not through a redirect", async () => {
    const operator = new OutboundGuard({
      ...policy,
      trustedOrigins: [`http://127.0.0.1:${internalPort}/v1`],
    });
    try {
      const model = operator.fetch({ reachTrustedOrigins: true });
      expect(await (await model(`http://127.0.0.1:${internalPort}/v1/models`)).text()).toBe(
        "internal secret",
      );
      expect(internalSeen.map((seen) => seen.path)).toEqual(["/v1/models"]);
      // A tool may not reach it, nor may a foreign endpoint redirect a model into it.
      await expect(operator.fetch()(`http://127.0.0.1:${internalPort}/v1/models`)).rejects.toThrow(
        "Refused: 127.0.0.1 is a loopback address",
      );
      await expect(model(`${siteOrigin}/to-internal`)).rejects.toThrow(
        "Refused: 127.0.0.1 is a loopback address",
      );
      expect(internalSeen).toHaveLength(1);
    } finally {
      await operator.close();
      internalSeen.length = 0;
    }
  });

  it("a CIDR entry opens a range, any port", async () => {
    const range = new OutboundGuard({ allow: ["127.0.0.0/8"] });
    try {
      expect(await (await range.fetch()(`http://127.0.0.1:${internalPort}/ok`)).text()).toBe(
        "internal secret",
      );
      await expect(range.fetch()(`http://[::1]:${internalV6Port}/`)).rejects.toThrow(/loopback/);
    } finally {
      await range.close();
      internalSeen.length = 0;
    }
  });
});

const context = (): ToolContext => ({
  signal: new AbortController().signal,
  agentPath: ["agent"],
  requestUserInput: async () => "",
  run: undefined,
});

const noSandbox = async (): Promise<PythonExecutor> => {
  throw new Error("no sandbox in these tests");
};

/** An agent built as the worker builds it, with the test policy. */
function agentWith(tools: AgentSpecInput["tools"], model?: AgentSpecInput["model"]): Promise<MultiStepAgent> {
  return buildAgent(
    {
      type: "toolCalling",
      name: "fetcher",
      model: model ?? { provider: "replay", transcript: [] },
      tools,
    },
    { resolveSecret: async () => undefined, createExecutor: noSandbox, outbound: policy },
  );
}

/** A tool's call as the model makes it: the refusal is the error text, never a stack. */
async function toolError(tool: Tool, args: Record<string, unknown>): Promise<string> {
  const error = await Promise.resolve(tool.call(args, context())).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).not.toMatch(/\n\s+at /);
  return message;
}

describe("through the real tools", () => {
  it("visit_webpage reports each refusal as its observation text", async () => {
    const agent = await agentWith([{ kind: "builtin", name: "visit_webpage" }]);
    const visit = agent.tools.get("visit_webpage")!;
    for (const [what, url, message] of attacks()) {
      const text = String(await visit.call({ url }, context()));
      expect(text, what).toMatch(/^Error fetching the webpage: Refused: /);
      expect(text.replace("Error fetching the webpage: ", ""), what).toMatch(message);
    }
    expect(String(await visit.call({ url: `${siteOrigin}/page` }, context()))).toContain("public page");
    expect(await visit.call({ url: "http://nowhere.test/" }, context())).toBe(
      "Error fetching the webpage: Could not resolve nowhere.test (ENOTFOUND)",
    );
    expect(internalSeen).toEqual([]);
  });

  it("an HTTP tool pointed at an internal address fails with the refusal as its error", async () => {
    for (const [what, url, message] of attacks()) {
      const agent = await agentWith([
        { kind: "http", name: "call_api", method: "GET", url, inputs: {}, outputType: "string" },
      ]);
      const text = await toolError(agent.tools.get("call_api")!, {});
      expect(text, what).toMatch(/^Error executing tool 'call_api': Refused: /);
      expect(text.replace("Error executing tool 'call_api': ", ""), what).toMatch(message);
    }
    const allowed = await agentWith([
      {
        kind: "http",
        name: "call_api",
        method: "GET",
        url: `${siteOrigin}/page`,
        inputs: {},
        outputType: "string",
      },
    ]);
    expect(await allowed.tools.get("call_api")!.call({}, context())).toContain("public page");
    expect(internalSeen).toEqual([]);
  });

  it("speech_to_text refuses to download audio from an internal address", async () => {
    const agent = await agentWith([{ kind: "builtin", name: "speech_to_text" }]);
    const tool = agent.tools.get("speech_to_text")!;
    for (const [what, url, message] of attacks().slice(0, 12)) {
      const text = await toolError(tool, { audio: url });
      expect(text.replace("Error executing tool 'speech_to_text': ", ""), what).toMatch(message);
    }
    expect(internalSeen).toEqual([]);
  });

  it("speech_to_text refuses an API base URL on an internal address", async () => {
    const agent = await agentWith([
      { kind: "builtin", name: "speech_to_text", config: { baseUrl: `http://127.0.0.1:${internalPort}/v1` } },
    ]);
    const audio = `data:audio/wav;base64,${Buffer.from("RIFF").toString("base64")}`;
    expect(await toolError(agent.tools.get("speech_to_text")!, { audio })).toBe(
      "Error executing tool 'speech_to_text': Refused: 127.0.0.1 is a loopback address",
    );
    expect(internalSeen).toEqual([]);
  });

  it("web_search refuses a backend URL on an internal address", async () => {
    const agent = await agentWith([
      { kind: "builtin", name: "web_search", config: { baseUrl: "http://169.254.169.254/html/" } },
    ]);
    expect(await toolError(agent.tools.get("web_search")!, { query: "x" })).toBe(
      "Error executing tool 'web_search': Refused: 169.254.169.254 is a link-local address",
    );
  });

  it("a model whose base URL is an internal address fails the run with the refusal, without retrying", async () => {
    const agent = await agentWith([], {
      provider: "openai",
      model: "m",
      baseUrl: `http://127.0.0.1:${internalPort}/v1`,
      apiKeySecret: undefined,
    });
    const result = await agent.run("hello", { returnFullResult: true });
    expect(result.state).toBe("error");
    expect(JSON.stringify(result.errors)).toContain("Refused: 127.0.0.1 is a loopback address");
    expect(internalSeen).toEqual([]);
  });

  it("a model sees a refused visit as an observation and carries on", async () => {
    const agent = await agentWith([{ kind: "builtin", name: "visit_webpage" }], {
      provider: "replay",
      transcript: [
        {
          tool_calls: [
            { name: "visit_webpage", arguments: { url: "http://169.254.169.254/latest/meta-data/" } },
          ],
        },
        { tool_calls: [{ name: "final_answer", arguments: { answer: "could not read it" } }] },
      ],
    });
    const result = await agent.run("Read the metadata", { returnFullResult: true });
    expect(result.state).toBe("success");
    const observations = JSON.stringify(result.steps);
    expect(observations).toContain("Refused: 169.254.169.254 is a link-local address");
  });
});
