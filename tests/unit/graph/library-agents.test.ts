import { describe, expect, it } from "vitest";
import {
  type AgentSpec,
  agentSecretNames,
  agentSubgraph,
  builtinToolNames,
  canConnect,
  canonicalJson,
  compile,
  edgeOfKind,
  sameLibrarySpec,
  shareableAgent,
  type ToolCatalog,
  validate,
  type WorkflowDocument,
} from "~/graph";

/** A manager with a model and one managed agent (itself with a model and an HTTP tool). */
function team(): WorkflowDocument {
  const replay = { provider: "replay" as const, model: "replay", transcript: ["final_answer('ok')"] };
  const agent = (name: string) => ({
    agentType: "toolCalling" as const,
    name,
    description: `${name} agent`,
    instructions: "",
    maxSteps: 5,
    addBaseTools: false,
    additionalAuthorizedImports: [],
  });
  return {
    version: 1,
    nodes: [
      { id: "boss", type: "agent", position: { x: 10, y: 10 }, data: agent("boss") },
      { id: "boss_model", type: "model", position: { x: 10, y: 200 }, data: replay },
      { id: "helper", type: "agent", position: { x: 300, y: 100 }, data: agent("helper") },
      {
        id: "helper_model",
        type: "model",
        position: { x: 300, y: 300 },
        data: { provider: "openai", model: "gpt-4o-mini", apiKeySecret: "TEAM_OPENAI_KEY" },
      },
      {
        id: "weather",
        type: "tool",
        position: { x: 500, y: 300 },
        data: {
          kind: "http",
          name: "weather",
          description: "",
          method: "GET",
          url: "https://api.example.com/w",
          secretHeaders: { Authorization: "WEATHER_KEY" },
          inputs: {},
          outputType: "string",
        },
      },
    ],
    edges: [
      edgeOfKind("uses-model", "boss", "boss_model"),
      edgeOfKind("manages", "boss", "helper"),
      edgeOfKind("uses-model", "helper", "helper_model"),
      edgeOfKind("uses-tool", "helper", "weather"),
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

describe("canonicalJson and sameLibrarySpec", () => {
  it("ignores key order at every depth and undefined fields", () => {
    const a = {
      name: "x",
      model: { provider: "replay", transcript: ["a"] },
      tools: [{ kind: "b", z: 1, a: 2 }],
    };
    const b = {
      tools: [{ a: 2, z: 1, kind: "b" }],
      model: { transcript: ["a"], provider: "replay" },
      name: "x",
      gone: undefined,
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe(
      '{"model":{"provider":"replay","transcript":["a"]},"name":"x","tools":[{"a":2,"kind":"b","z":1}]}',
    );
    expect(sameLibrarySpec(a, b)).toBe(true);
  });

  it("sees any change of a value, of array order, or of a null against a missing field", () => {
    const base = { name: "x", tools: ["a", "b"], maxSteps: 5 };
    expect(sameLibrarySpec(base, { ...base, maxSteps: 6 })).toBe(false);
    expect(sameLibrarySpec(base, { ...base, tools: ["b", "a"] })).toBe(false);
    expect(sameLibrarySpec(base, { ...base, extra: null })).toBe(false);
    expect(sameLibrarySpec(base, { ...base, name: "X" })).toBe(false);
  });
});

describe("agentSubgraph", () => {
  it("keeps the agent and what it reaches, moved so the agent is at the origin", () => {
    const graph = agentSubgraph(team(), "helper");
    expect(graph.nodes.map((n) => [n.id, n.position])).toEqual([
      ["helper", { x: 0, y: 0 }],
      ["helper_model", { x: 0, y: 200 }],
      ["weather", { x: 200, y: 200 }],
    ]);
    expect(graph.edges.map((e) => e.target)).toEqual(["helper_model", "weather"]);
  });
});

describe("shareableAgent", () => {
  it("compiles the agent's sub-graph: managed agents nested, secrets by name", () => {
    const shared = shareableAgent(team(), "boss");
    expect(shared.ok).toBe(true);
    if (!shared.ok) return;
    expect(shared.agent.managedAgents.map((a) => a.name)).toEqual(["helper"]);
    expect(shared.graph.nodes).toHaveLength(5);
    expect(agentSecretNames(shared.agent)).toEqual(["TEAM_OPENAI_KEY", "WEATHER_KEY"]);
  });

  it("refuses with one precise message, naming the node at fault", () => {
    const doc = team();
    const weather = doc.nodes.find((n) => n.id === "weather")!;
    if (weather.type === "tool" && weather.data.kind === "http") weather.data.url = "nope";
    expect(shareableAgent(doc, "boss")).toEqual({
      ok: false,
      message: 'The HTTP tool needs an http(s) URL (tool "weather")',
    });
    expect(shareableAgent({ version: 1 }, "boss")).toMatchObject({ ok: false });
  });
});

describe("library agent nodes", () => {
  const helperSpec = (): AgentSpec => {
    const shared = shareableAgent(team(), "helper");
    if (!shared.ok) throw new Error(shared.message);
    return shared.agent;
  };
  const catalog = (): ToolCatalog => ({
    builtinTools: builtinToolNames,
    libraryTools: [],
    libraryAgents: [{ itemId: "item1", version: 3, name: "helper", agent: helperSpec() }],
  });
  /** The team graph with its helper replaced by the library's, pinned to a version. */
  const pinned = (version: number): WorkflowDocument => {
    const doc = team();
    doc.nodes = doc.nodes.filter((n) => n.id === "boss" || n.id === "boss_model" || n.id === "helper");
    doc.edges = doc.edges.filter((e) => e.source === "boss");
    const helper = doc.nodes.find((n) => n.id === "helper")!;
    if (helper.type === "agent") helper.data.library = { itemId: "item1", version };
    return doc;
  };

  it("compile puts the shared spec, exactly, where the node is", () => {
    const compiled = compile(pinned(3), catalog());
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.spec.managedAgents).toEqual([helperSpec()]);
  });

  it("validate reports a missing version, and the shared spec's secrets this server lacks", () => {
    expect(validate(pinned(4), { catalog: catalog() })).toMatchObject([
      { code: "unknown-agent", nodeId: "helper", path: ["nodes", 2, "data", "library"] },
    ]);
    const issues = validate(pinned(3), { catalog: catalog(), knownSecrets: ["WEATHER_KEY"] });
    expect(issues.map((i) => i.message)).toEqual([
      'Library agent "helper": the secret TEAM_OPENAI_KEY is not set on this server: add it under Settings → Credentials',
    ]);
  });

  it("knows the team's secrets: a shared agent's key is a team secret, bound to the host its model calls or not", () => {
    const atOpenai = [{ name: "TEAM_OPENAI_KEY", allowedHost: "api.openai.com" }];
    expect(
      validate(pinned(3), { catalog: catalog(), knownSecrets: ["WEATHER_KEY"], teamSecrets: atOpenai }),
    ).toEqual([]);
    const elsewhere = [{ name: "TEAM_OPENAI_KEY", allowedHost: "api.example.com" }];
    const issues = validate(pinned(3), {
      catalog: catalog(),
      knownSecrets: ["WEATHER_KEY"],
      teamSecrets: elsewhere,
    });
    expect(issues.map((i) => [i.code, i.message])).toEqual([
      [
        "secret-not-allowed",
        'Library agent "helper": The secret TEAM_OPENAI_KEY may only be sent to api.example.com, not to api.openai.com',
      ],
    ]);
  });

  it("holds a shared agent's sandbox to the operator's limits", () => {
    const shared: AgentSpec = {
      ...helperSpec(),
      type: "code",
      executor: { kind: "docker", image: "someone/else:latest", memoryMb: 4096 },
    };
    const issues = validate(pinned(3), {
      catalog: {
        builtinTools: builtinToolNames,
        libraryTools: [],
        libraryAgents: [{ itemId: "item1", version: 3, name: "helper", agent: shared }],
      },
      sandboxLimits: {
        images: ["troupe-sandbox:latest"],
        maxMemoryMb: 1024,
        maxCpus: 2,
        maxTimeoutSeconds: 60,
      },
    });
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ["sandbox-over-limit", ["nodes", 2, "data", "library"]],
      ["sandbox-over-limit", ["nodes", 2, "data", "library"]],
    ]);
    expect(issues[0]?.message).toContain(
      'Library agent "helper": "helper": Docker image "someone/else:latest"',
    );
  });

  it("refuses a shared agent's tool that would send an installation key, unless a team secret of that name shadows it", () => {
    const helper = helperSpec();
    const shared: AgentSpec = {
      ...helper,
      tools: helper.tools.map((tool) =>
        tool.kind === "http" ? { ...tool, secretHeaders: { Authorization: "OPENAI_API_KEY" } } : tool,
      ),
    };
    const pinnedCatalog = {
      builtinTools: builtinToolNames,
      libraryTools: [],
      libraryAgents: [{ itemId: "item1", version: 3, name: "helper", agent: shared }],
    };
    expect(validate(pinned(3), { catalog: pinnedCatalog }).map((i) => i.code)).toEqual([
      "secret-not-allowed",
    ]);
    expect(
      validate(pinned(3), {
        catalog: pinnedCatalog,
        teamSecrets: [{ name: "OPENAI_API_KEY", allowedHost: null }],
      }),
    ).toEqual([]);
  });

  it("a library agent runs as shared: no connection may start from it", () => {
    const doc = pinned(3);
    doc.nodes.push({
      id: "m",
      type: "model",
      position: { x: 0, y: 0 },
      data: { provider: "replay", model: "r", transcript: [] },
    });
    expect(canConnect(doc, { source: "helper", target: "m" })).toMatchObject({
      ok: false,
      code: "library-agent-closed",
    });
    // It can still be managed.
    expect(canConnect({ ...doc, edges: [] }, { source: "boss", target: "helper" })).toEqual({
      ok: true,
      kind: "manages",
    });
  });

  it("checks the shared spec where it runs: an installation key sent elsewhere, a local sandbox the team may not use", () => {
    const shared: AgentSpec = {
      ...helperSpec(),
      type: "code",
      model: { provider: "openai", model: "gpt-4o-mini", baseUrl: "https://elsewhere.example.com/v1" },
      executor: { kind: "local" },
    };
    const entry = { itemId: "item1", version: 3, name: "helper", agent: shared };
    const issues = validate(pinned(3), {
      catalog: { builtinTools: builtinToolNames, libraryTools: [], libraryAgents: [entry] },
      installationKeys: [{ name: "OPENAI_API_KEY", origins: ["https://api.openai.com"] }],
      allowLocalExecutor: false,
    });
    expect(issues.map((i) => i.code).sort()).toEqual(["local-sandbox-not-allowed", "secret-not-allowed"]);
    expect(
      compile(
        pinned(3),
        { builtinTools: builtinToolNames, libraryTools: [], libraryAgents: [entry] },
        {
          allowLocalExecutor: false,
        },
      ).ok,
    ).toBe(false);
  });
});
