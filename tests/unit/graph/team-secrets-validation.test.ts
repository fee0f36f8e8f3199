import { describe, expect, it } from "vitest";
import { getTemplate, installationKeys, validate, type WorkflowDocument } from "~/graph";

/** The web-search template with its model pointing at `baseUrl` and naming `apiKeySecret`. */
function withModel(data: { baseUrl?: string; apiKeySecret?: string }): WorkflowDocument {
  const document = structuredClone(getTemplate("code-agent-web-search")!.document);
  const model = document.nodes.find((node) => node.type === "model")!;
  model.data = { provider: "openai", model: "gpt-4o-mini", ...data } as never;
  return document;
}

const keys = installationKeys({ openaiBaseUrl: undefined });
const messages = (doc: WorkflowDocument, teamSecrets: { name: string; allowedHost: string | null }[]) =>
  validate(doc, { knownSecrets: [], installationKeys: keys, teamSecrets }).map((issue) => issue.message);

describe("validation with team secrets", () => {
  it("knows a team secret's name: no missing-secret issue once the team has it", () => {
    const doc = withModel({ apiKeySecret: "TEAM_KEY" });
    expect(messages(doc, [])).toEqual([
      "The secret TEAM_KEY is not set on this server: add it under Settings → Credentials",
    ]);
    expect(messages(doc, [{ name: "TEAM_KEY", allowedHost: null }])).toEqual([]);
  });

  it("satisfies a foreign base URL with a team secret, which the installation key could not", () => {
    const foreign = withModel({ baseUrl: "https://llm.example.com/v1" });
    expect(messages(foreign, [])[0]).toMatch(/must name its own API key secret/);
    const named = withModel({ baseUrl: "https://llm.example.com/v1", apiKeySecret: "TEAM_KEY" });
    expect(messages(named, [{ name: "TEAM_KEY", allowedHost: "llm.example.com" }])).toEqual([]);
  });

  it("refuses a team secret bound to host A for a model at host B", () => {
    const doc = withModel({ baseUrl: "https://b.example.com/v1", apiKeySecret: "TEAM_KEY" });
    expect(messages(doc, [{ name: "TEAM_KEY", allowedHost: "a.example.com" }])).toEqual([
      "The secret TEAM_KEY may only be sent to a.example.com, not to b.example.com",
    ]);
  });

  it("lets a team's own OPENAI_API_KEY shadow the installation's, for models and tools", () => {
    const doc = withModel({ baseUrl: "https://llm.example.com/v1" });
    expect(messages(doc, [{ name: "OPENAI_API_KEY", allowedHost: null }])).toEqual([]);
    const http = structuredClone(doc);
    http.nodes.push({
      id: "http",
      type: "tool",
      position: { x: 0, y: 0 },
      data: {
        kind: "http",
        name: "lookup",
        description: "",
        url: "https://api.example.com/x",
        method: "GET",
        inputs: {},
        secretHeaders: { Authorization: "OPENAI_API_KEY" },
      },
    } as never);
    const toolIssues = (secrets: { name: string; allowedHost: string | null }[]) =>
      validate(http, { knownSecrets: [], installationKeys: keys, teamSecrets: secrets })
        .filter((issue) => issue.nodeId === "http" && issue.code === "secret-not-allowed")
        .map((issue) => issue.message);
    expect(toolIssues([])[0]).toMatch(/An HTTP tool cannot send OPENAI_API_KEY/);
    expect(toolIssues([{ name: "OPENAI_API_KEY", allowedHost: null }])).toEqual([]);
  });
});
