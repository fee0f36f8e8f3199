import type { z } from "zod";
import { type AgentSpec, httpToolSecretNames } from "./agent-spec";
import { canConnect } from "./can-connect";
import { defaultCatalog, findLibraryAgent, findLibraryTool, type ToolCatalog } from "./catalog";
import { checkListProblems, jsonSchemaProblem, pythonCheckSourceProblem } from "./final-answer-checks";
import type { GraphIssue, IssueSeverity } from "./graph-issue";
import {
  hostOrigins,
  httpToolOrigin,
  type InstallationKey,
  keyBindingProblem,
  type ModelEndpoint,
  modelKeyProblem,
  modelOrigins,
  providerKeyName,
  type TeamSecretBinding,
  toolKeyMessage,
} from "./key-binding";
import { stdioCommandProblem } from "./mcp-server";
import { promptTemplateProblems } from "./prompt-templates";
import { getAgentModel, getAgentTools, getManagedAgents, getRootAgents } from "./queries";
import { type SandboxLimits, sandboxLimitProblems } from "./sandbox-limits";
import {
  type AgentNodeData,
  type McpNodeData,
  type ToolNodeData,
  type WorkflowDocument,
  type WorkflowNode,
  workflowDocumentSchema,
} from "./workflow-document";

export interface ValidateOptions {
  /** Names of the installation's secrets that are set (provider keys in the environment); when given, references to names neither here nor in `teamSecrets` are errors. */
  knownSecrets?: readonly string[];
  /**
   * The server's provider keys and the origins each is bound to; when given, a model that would
   * send one elsewhere is an error (see ./key-binding). Tools never send them, given or not.
   */
  installationKeys?: readonly InstallationKey[];
  /**
   * The team's secrets: known names, and a model may send one bound to a host only there. A team
   * secret shadows an installation key of the same name (it is what runs resolve first).
   */
  teamSecrets?: readonly TeamSecretBinding[];
  catalog?: ToolCatalog;
  /** Whether the team may use the unsandboxed local executor; when false, a local sandbox is an error. */
  allowLocalExecutor?: boolean;
  /** The operator's Docker image allow-list and sandbox maxima; when given, a sandbox outside them is an error. */
  sandboxLimits?: SandboxLimits;
  /**
   * The commands stdio MCP servers may start (MCP_STDIO_COMMANDS); when given, a stdio server whose
   * command is not one of them is an error (all of them when the list is empty).
   */
  mcpStdioCommands?: readonly string[];
}

export type ValidateResult =
  | { ok: true; document: WorkflowDocument; issues: GraphIssue[] }
  | { ok: false; issues: GraphIssue[] };

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What a secret's name looks like: UPPER_SNAKE_CASE (team secrets are created with the same rule). */
export const secretNamePattern = /^[A-Z_][A-Z0-9_]*$/;
const pythonKeywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/** Why a string is not usable as a Python function name, or undefined when it is. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return "Name is required";
  if (name.length > 64) return "Name must be at most 64 characters";
  if (!identifierPattern.test(name)) {
    return `"${name}" is not a Python identifier (letters, digits, _; not starting with a digit)`;
  }
  if (pythonKeywords.has(name)) return `"${name}" is a Python keyword`;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === "http:" || protocol === "https:";
}

/**
 * Parse and validate untrusted input as a workflow document (schema first, then `validate`).
 * `ok: false` means structural problems: the server must not store it.
 */
export function validateDocument(input: unknown, options: ValidateOptions = {}): ValidateResult {
  const parsed = workflowDocumentSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: schemaIssues(parsed.error) };
  }
  const issues = validate(parsed.data, options);
  if (issues.some((i) => i.severity === "structural")) return { ok: false, issues };
  return { ok: true, document: parsed.data, issues };
}

/** Zod errors as structural graph issues (capped, so a hostile document yields a short list). */
export function schemaIssues(error: z.ZodError, max = 20): GraphIssue[] {
  return error.issues.slice(0, max).map((issue) => ({
    code: "schema" as const,
    severity: "structural" as const,
    path: issue.path.filter((p): p is string | number => typeof p !== "symbol"),
    message: `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`,
  }));
}

/**
 * Every problem of a schema-valid document, per node and edge. Pure: the caller decides what
 * to block on (see `GraphIssue` severities).
 */
export function validate(doc: WorkflowDocument, options: ValidateOptions = {}): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const catalog = options.catalog ?? defaultCatalog;
  const teamSecrets = new Map((options.teamSecrets ?? []).map((secret) => [secret.name, secret.allowedHost]));
  const known = options.knownSecrets ? new Set([...options.knownSecrets, ...teamSecrets.keys()]) : undefined;
  const index = new Map<string, number>();
  const add = (
    severity: IssueSeverity,
    code: GraphIssue["code"],
    message: string,
    at: { nodeId?: string; edgeId?: string; path: (string | number)[] },
  ) => issues.push({ code, severity, message, ...at });

  doc.nodes.forEach((n, i) => {
    if (index.has(n.id)) {
      add("structural", "duplicate-node-id", `Two nodes share the id "${n.id}"`, {
        nodeId: n.id,
        path: ["nodes", i, "id"],
      });
    } else index.set(n.id, i);
  });
  const edgeIds = new Set<string>();
  doc.edges.forEach((e, i) => {
    const at = { edgeId: e.id, nodeId: e.source, path: ["edges", i] };
    if (edgeIds.has(e.id)) add("structural", "duplicate-edge-id", `Two edges share the id "${e.id}"`, at);
    edgeIds.add(e.id);
    const check = canConnect(doc, e, { ignoreEdgeId: e.id });
    if (!check.ok) {
      const severity = check.code === "sandbox-needs-code-agent" ? "error" : "structural";
      const code =
        check.code === "manages-cycle"
          ? "manages-cycle"
          : check.code === "sandbox-needs-code-agent"
            ? "sandbox-needs-code-agent"
            : "invalid-connection";
      add(severity, code, check.reason, at);
      return;
    }
    if (check.kind !== e.type) {
      add(
        "structural",
        "edge-kind-mismatch",
        `This edge is marked "${e.type}" but connects a "${check.kind}" pair`,
        at,
      );
    }
  });

  const agents = doc.nodes.filter((n) => n.type === "agent");
  if (agents.length === 0) {
    add("error", "no-agent", "Add an agent: a workflow needs at least one", { path: ["nodes"] });
  }
  const roots = getRootAgents(doc);
  if (roots.length > 1) {
    for (const root of roots.slice(1)) {
      add(
        "error",
        "multiple-roots",
        `More than one top-level agent: let "${roots[0]!.data.name}" manage "${root.data.name}", or remove one`,
        { nodeId: root.id, path: ["nodes", index.get(root.id)!] },
      );
    }
  }

  const agentNames = new Map<string, string>();
  const attached = new Set(doc.edges.map((e) => e.target));
  for (const n of doc.nodes) {
    const i = index.get(n.id)!;
    const at = (...rest: (string | number)[]) => ({ nodeId: n.id, path: ["nodes", i, ...rest] });
    checkSecrets(n, known, (code, message, field) => add("error", code, message, at("data", ...field)));
    checkKeyBinding(n, options.installationKeys, teamSecrets, catalog, (code, message, field) =>
      add("error", code, message, at("data", ...field)),
    );
    switch (n.type) {
      case "agent": {
        const problem = identifierProblem(n.data.name);
        if (problem) add("error", "invalid-name", `Agent name: ${problem}`, at("data", "name"));
        else if (agentNames.has(n.data.name)) {
          add(
            "error",
            "duplicate-name",
            `Another agent is already named "${n.data.name}"`,
            at("data", "name"),
          );
        } else agentNames.set(n.data.name, n.id);
        if (n.data.library) {
          const { itemId, version } = n.data.library;
          const entry = findLibraryAgent(catalog, itemId, version);
          if (!entry) {
            add(
              "error",
              "unknown-agent",
              `Library agent "${n.data.name}" (version ${version}) was not found in the team library`,
              at("data", "library"),
            );
          } else {
            for (const problem of libraryAgentProblems(entry.agent, known, teamSecrets, options)) {
              add(
                "error",
                problem.code,
                `Library agent "${n.data.name}": ${problem.message}`,
                at("data", "library"),
              );
            }
          }
        } else if (!getAgentModel(doc, n.id)) {
          add("error", "agent-without-model", "Connect a model to this agent", at());
        }
        if (!n.data.library) {
          checkAnswerRules(n.data, (code, message, field) =>
            add("error", code, message, at("data", ...field)),
          );
        }
        for (const problem of promptTemplateProblems(n.data.agentType, n.data.promptTemplates)) {
          add(
            "error",
            "invalid-prompt-template",
            problem.message,
            at("data", "promptTemplates", ...problem.key.split(".")),
          );
        }
        checkAgentScope(doc, n.id, (message, nodeId) =>
          add("error", "duplicate-name", message, {
            nodeId,
            path: ["nodes", index.get(nodeId)!, "data", "name"],
          }),
        );
        break;
      }
      case "model":
        if (n.data.provider !== "replay" && n.data.model.trim() === "") {
          add("error", "missing-field", "Model id is required", at("data", "model"));
        }
        if (n.data.provider === "replay" && n.data.transcript.length === 0) {
          add(
            "error",
            "missing-field",
            "A replay model needs at least one recorded answer in its transcript",
            at("data", "transcript"),
          );
        }
        if (n.data.provider === "openai" && n.data.baseUrl && !isHttpUrl(n.data.baseUrl)) {
          add("error", "invalid-url", "Base URL must be an http(s) URL", at("data", "baseUrl"));
        }
        if (n.data.provider === "hf" && n.data.endpointUrl && !isHttpUrl(n.data.endpointUrl)) {
          add("error", "invalid-url", "Endpoint URL must be an http(s) URL", at("data", "endpointUrl"));
        }
        break;
      case "tool":
        checkTool(n.data, catalog, (code, message, field) =>
          add("error", code, message, at("data", ...field)),
        );
        break;
      case "mcp":
        checkMcpServer(n.data, options, teamSecrets, (code, message, field) =>
          add("error", code, message, at("data", ...field)),
        );
        break;
      case "sandbox":
        if (n.data.kind === "local" && options.allowLocalExecutor === false) {
          add(
            "error",
            "local-sandbox-not-allowed",
            "This team may not use the local sandbox (it runs model-written Python unsandboxed on the server); choose pyodide or docker",
            at("data", "kind"),
          );
        }
        if (options.sandboxLimits) {
          for (const problem of sandboxLimitProblems(n.data, options.sandboxLimits)) {
            add("error", "sandbox-over-limit", problem.message, at("data", problem.field));
          }
        }
        break;
    }
    if (n.type !== "agent" && !attached.has(n.id)) {
      add(
        "warning",
        "not-attached",
        `This ${n.type === "mcp" ? "MCP server" : n.type} is not attached to an agent`,
        at(),
      );
    }
  }
  return issues;
}

type FieldReport = (code: GraphIssue["code"], message: string, field: (string | number)[]) => void;

/** An agent's output schema and final-answer checks: names, Python sources, JSON Schemas. */
function checkAnswerRules(d: AgentNodeData, report: FieldReport): void {
  if (d.outputSchema) {
    const problem = jsonSchemaProblem(d.outputSchema);
    if (problem) report("invalid-json-schema", `Output schema: ${problem}`, ["outputSchema"]);
  }
  const checks = d.finalAnswerChecks ?? [];
  checks.forEach((check, i) => {
    const label = `Final-answer check ${check.name || i + 1}`;
    const nameProblem = identifierProblem(check.name);
    if (nameProblem) report("invalid-name", `${label}: ${nameProblem}`, ["finalAnswerChecks", i, "name"]);
    if (check.kind === "python") {
      const problem = pythonCheckSourceProblem(check.name, check.source);
      if (problem) {
        const code = check.source.trim() === "" ? "missing-field" : "python-function-missing";
        report(code, `${label}: ${problem}`, ["finalAnswerChecks", i, "source"]);
      }
    } else {
      const problem = jsonSchemaProblem(check.schema);
      if (problem) report("invalid-json-schema", `${label}: ${problem}`, ["finalAnswerChecks", i, "schema"]);
    }
  });
  for (const problem of checkListProblems(checks)) {
    report("duplicate-name", `Final-answer check: ${problem.message}`, [
      "finalAnswerChecks",
      ...problem.path,
    ]);
  }
}

/** A problem of one tool's data on its own; `path` is inside the data. */
export interface ToolProblem {
  code: GraphIssue["code"];
  message: string;
  path: (string | number)[];
}

/**
 * The problems `validate` reports for one tool node's data, without a graph around it: name,
 * Python source, URL, input names, secret-name format, and (library) the catalog entry.
 */
export function toolProblems(data: ToolNodeData, catalog: ToolCatalog = defaultCatalog): ToolProblem[] {
  const problems: ToolProblem[] = [];
  const report: FieldReport = (code, message, path) => problems.push({ code, message, path });
  const node: WorkflowNode = { id: "tool", type: "tool", position: { x: 0, y: 0 }, data };
  checkSecrets(node, undefined, report);
  checkKeyBinding(node, undefined, new Map(), catalog, report);
  checkTool(data, catalog, report);
  return problems;
}

function checkTool(d: ToolNodeData, catalog: ToolCatalog, report: FieldReport): void {
  switch (d.kind) {
    case "builtin":
      if (!catalog.builtinTools.includes(d.name)) {
        report("unknown-tool", `The builtin tool "${d.name}" is not available here`, ["name"]);
      }
      return;
    case "library":
      if (!findLibraryTool(catalog, d.itemId, d.version)) {
        report(
          "unknown-tool",
          `Library tool "${d.name}" (version ${d.version}) was not found in the team library`,
          ["itemId"],
        );
      }
      return;
    case "python": {
      const problem = identifierProblem(d.name);
      if (problem) report("invalid-name", `Tool name: ${problem}`, ["name"]);
      if (d.source.trim() === "") report("missing-field", "Write the tool's Python function", ["source"]);
      else if (!problem && !new RegExp(`^\\s*(async\\s+)?def\\s+${d.name}\\s*\\(`, "m").test(d.source)) {
        report("python-function-missing", `The source must define a function named "${d.name}"`, ["source"]);
      }
      return;
    }
    case "http": {
      const problem = identifierProblem(d.name);
      if (problem) report("invalid-name", `Tool name: ${problem}`, ["name"]);
      const concrete = d.url.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, "x");
      if (!isHttpUrl(concrete)) report("invalid-url", "The HTTP tool needs an http(s) URL", ["url"]);
      else if (
        (Object.keys(d.secretHeaders ?? {}).length > 0 || d.auth) &&
        httpToolOrigin(d.url) === undefined
      ) {
        report(
          "invalid-url",
          "A tool that sends a secret needs a fixed host: placeholders may only fill the URL's path and query",
          ["url"],
        );
      }
      for (const [input] of Object.entries(d.inputs)) {
        const inputProblem = identifierProblem(input);
        if (inputProblem) report("invalid-name", `Input name: ${inputProblem}`, ["inputs", input]);
      }
      for (const [input, placement] of Object.entries(d.params ?? {})) {
        if (!(input in d.inputs)) {
          report("missing-field", `"${input}" has a place in the request but is not an input`, [
            "params",
            input,
          ]);
        } else if (placement.in === "path" && !d.url.includes(`{${input}}`)) {
          report("missing-field", `The URL has no {${input}} placeholder for the path input "${input}"`, [
            "params",
            input,
          ]);
        }
      }
      if (d.auth?.type === "apiKey" && d.auth.name.trim() === "") {
        report("missing-field", "Name the header or query parameter that carries the API key", [
          "auth",
          "name",
        ]);
      }
      return;
    }
  }
}

/** An MCP node on its own: name, URL or command (on the allow-list), environment names, chosen tools. */
function checkMcpServer(
  d: McpNodeData,
  options: ValidateOptions,
  teamSecrets: ReadonlyMap<string, string | null>,
  report: FieldReport,
): void {
  const problem = identifierProblem(d.name);
  if (problem) report("invalid-name", `MCP server name: ${problem}`, ["name"]);
  if (d.transport === "stdio") {
    if (d.command.trim() === "") {
      report("missing-field", "A stdio MCP server needs a command (a program on the server's list)", [
        "command",
      ]);
    } else if (options.mcpStdioCommands) {
      const refused = stdioCommandProblem(d.command, options.mcpStdioCommands);
      if (refused) report("mcp-command-not-allowed", refused, ["command"]);
    }
    for (const [variable, secret] of Object.entries(d.envSecrets ?? {})) {
      if (!envNamePattern.test(variable)) {
        report(
          "invalid-name",
          `Environment variable "${variable}": letters, digits and _, not starting with a digit`,
          ["envSecrets", variable],
        );
      }
      const host = teamSecrets.get(secret);
      if (host) {
        report(
          "secret-not-allowed",
          `The secret ${secret} may only be sent to ${host}; a stdio MCP server could send it anywhere`,
          ["envSecrets", variable],
        );
      }
    }
  } else if (!isHttpUrl(d.url)) {
    report("invalid-url", "MCP server URL must be an http(s) URL", ["url"]);
  }
  if (!d.tools || d.tools.length === 0) {
    report(
      "mcp-no-tools",
      d.discoveredTools?.length
        ? "Choose at least one of the server's tools for the agent"
        : "Choose the server's tools for the agent: Refresh tools lists them",
      ["tools"],
    );
  }
}

function checkSecrets(n: WorkflowNode, known: Set<string> | undefined, report: FieldReport): void {
  const refs: { name: string; field: (string | number)[] }[] = [];
  if (n.type === "model" && n.data.provider !== "replay" && n.data.apiKeySecret) {
    refs.push({ name: n.data.apiKeySecret, field: ["apiKeySecret"] });
  }
  const secretHeaders =
    n.type === "mcp"
      ? n.data.transport === "stdio"
        ? undefined
        : n.data.secretHeaders
      : n.type === "tool" && n.data.kind === "http"
        ? n.data.secretHeaders
        : undefined;
  for (const [header, name] of Object.entries(secretHeaders ?? {})) {
    refs.push({ name, field: ["secretHeaders", header] });
  }
  if (n.type === "mcp" && n.data.transport === "stdio") {
    for (const [variable, name] of Object.entries(n.data.envSecrets ?? {})) {
      refs.push({ name, field: ["envSecrets", variable] });
    }
  }
  if (n.type === "tool" && n.data.kind === "http" && n.data.auth) {
    refs.push({ name: n.data.auth.secret, field: ["auth", "secret"] });
  }
  for (const ref of refs) {
    if (!secretNamePattern.test(ref.name)) {
      report("invalid-secret-name", `Secret names are UPPER_SNAKE_CASE ("${ref.name}")`, ref.field);
    } else if (known && !known.has(ref.name)) {
      report(
        "missing-secret",
        `The secret ${ref.name} is not set on this server: add it under Settings → Credentials`,
        ref.field,
      );
    }
  }
}

const installationKeyNames = new Set<string>(Object.values(providerKeyName));

/**
 * Keys stay with their hosts: a model may send an installation key only to the origins it is
 * bound to (checked when the keys are given), nor a team secret bound to a host anywhere else;
 * no tool may name an installation key (always checked, unless a team secret shadows the name).
 */
function checkKeyBinding(
  n: WorkflowNode,
  keys: readonly InstallationKey[] | undefined,
  teamSecrets: ReadonlyMap<string, string | null>,
  catalog: ToolCatalog,
  report: FieldReport,
): void {
  if (n.type === "model") {
    if (n.data.provider === "replay") return;
    const field = n.data.apiKeySecret
      ? "apiKeySecret"
      : n.data.provider === "openai"
        ? "baseUrl"
        : "endpointUrl";
    const problem = modelSecretProblem(n.data, keys, teamSecrets);
    if (problem) report("secret-not-allowed", problem, [field]);
    return;
  }
  const refused = (name: string, tool: string, field: (string | number)[]) => {
    if (toolNamesInstallationKey(name, teamSecrets))
      report("secret-not-allowed", toolKeyMessage(name, tool), field);
  };
  if (n.type === "mcp") {
    for (const [field, name] of mcpSecretRefs(n.data)) refused(name, "An MCP server", field);
    return;
  }
  if (n.type !== "tool") return;
  const data = n.data;
  if (data.kind === "http") {
    const sent: { name: string; field: (string | number)[] }[] = [
      ...Object.entries(data.secretHeaders ?? {}).map(([header, name]) => ({
        name,
        field: ["secretHeaders", header],
      })),
      ...(data.auth ? [{ name: data.auth.secret, field: ["auth", "secret"] }] : []),
    ];
    const origin = httpToolOrigin(data.url);
    for (const { name, field } of sent) {
      refused(name, "An HTTP tool", field);
      const host = teamSecrets.get(name);
      if (host && origin) {
        const problem = keyBindingProblem({
          keyName: name,
          named: true,
          allowed: hostOrigins(host),
          targets: [origin],
          installation: false,
        });
        if (problem) report("secret-not-allowed", problem, field);
      }
    }
  } else if (data.kind === "builtin" && data.name === "speech_to_text") {
    const name = data.config?.apiKeySecret;
    if (typeof name === "string") refused(name, "speech_to_text", ["config", "apiKeySecret"]);
  } else if (data.kind === "library") {
    const tool = findLibraryTool(catalog, data.itemId, data.version)?.tool;
    if (tool?.kind === "http") {
      for (const name of httpToolSecretNames(tool)) {
        refused(name, `The library tool "${data.name}"`, ["itemId"]);
      }
    }
  }
}

/** The secrets an MCP node sends, with their fields: headers over HTTP, environment for stdio. */
function mcpSecretRefs(d: McpNodeData): [(string | number)[], string][] {
  return d.transport === "stdio"
    ? Object.entries(d.envSecrets ?? {}).map(([variable, name]) => [["envSecrets", variable], name])
    : Object.entries(d.secretHeaders ?? {}).map(([header, name]) => [["secretHeaders", header], name]);
}

/**
 * Why a (non-replay) model may not send its key where it points: a team secret of its key's name
 * (which runs resolve first) only to the host it is bound to; otherwise an installation key only to
 * its origins (checked when the keys are given). Undefined if it may.
 */
function modelSecretProblem(
  model: ModelEndpoint | { provider: "replay" },
  keys: readonly InstallationKey[] | undefined,
  teamSecrets: ReadonlyMap<string, string | null>,
): string | undefined {
  if (model.provider === "replay") return undefined;
  const keyName = model.apiKeySecret || providerKeyName[model.provider];
  const host = teamSecrets.get(keyName);
  if (host === undefined) return keys && modelKeyProblem(model, keys);
  if (host === null) return undefined;
  const installationUrl = keys?.find((key) => key.name === providerKeyName.openai)?.origins[0];
  return keyBindingProblem({
    keyName,
    named: Boolean(model.apiKeySecret),
    allowed: hostOrigins(host),
    targets: modelOrigins(model, installationUrl),
    installation: false,
  });
}

/** Whether a tool naming `name` would send an installation key (a team secret of that name shadows it). */
function toolNamesInstallationKey(name: string, teamSecrets: ReadonlyMap<string, string | null>): boolean {
  return installationKeyNames.has(name) && !teamSecrets.has(name);
}

/** Inside one agent, tools and managed agents share a namespace: Python function names. */
function checkAgentScope(
  doc: WorkflowDocument,
  agentId: string,
  report: (message: string, nodeId: string) => void,
): void {
  const seen = new Map<string, string>();
  const members = [
    ...getAgentTools(doc, agentId).map((t) => ({ id: t.id, name: t.data.name })),
    ...getManagedAgents(doc, agentId).map((a) => ({ id: a.id, name: a.data.name })),
  ];
  for (const m of members) {
    if (m.name === "") continue;
    if (seen.has(m.name)) report(`This agent already has a tool or managed agent named "${m.name}"`, m.id);
    else seen.set(m.name, m.id);
  }
}

/**
 * What a shared agent's spec would break here, at any depth: secrets neither this server nor the
 * team has, keys its models would send to hosts they are not bound to (installation keys, team
 * secrets bound to a host), tools that would send an installation key (a team secret that shadowed
 * the name when it was shared may have been deleted since), a local sandbox the team may not use, and
 * a sandbox outside the operator's limits.
 */
function libraryAgentProblems(
  agent: AgentSpec,
  known: Set<string> | undefined,
  teamSecrets: ReadonlyMap<string, string | null>,
  options: Pick<
    ValidateOptions,
    "installationKeys" | "allowLocalExecutor" | "sandboxLimits" | "mcpStdioCommands"
  >,
): { code: GraphIssue["code"]; message: string }[] {
  const problems: { code: GraphIssue["code"]; message: string }[] = [];
  const visit = (a: AgentSpec) => {
    const secrets = a.model.provider === "replay" || !a.model.apiKeySecret ? [] : [a.model.apiKeySecret];
    for (const tool of a.tools) {
      if (tool.kind !== "http" && tool.kind !== "mcp") continue;
      if (tool.kind === "mcp" && tool.transport === "stdio" && options.mcpStdioCommands && tool.command) {
        const refused = stdioCommandProblem(tool.command, options.mcpStdioCommands);
        if (refused)
          problems.push({ code: "mcp-command-not-allowed", message: `"${tool.name}": ${refused}` });
      }
      const sent =
        tool.kind === "mcp" && tool.transport === "stdio"
          ? Object.values(tool.envSecrets ?? {})
          : httpToolSecretNames(tool);
      for (const name of sent) {
        secrets.push(name);
        if (toolNamesInstallationKey(name, teamSecrets)) {
          problems.push({
            code: "secret-not-allowed",
            message: toolKeyMessage(name, `The tool "${tool.name}"`),
          });
        }
      }
    }
    for (const name of secrets) {
      if (known && !known.has(name)) {
        problems.push({
          code: "missing-secret",
          message: `the secret ${name} is not set on this server: add it under Settings → Credentials`,
        });
      }
    }
    const keyProblem = modelSecretProblem(a.model, options.installationKeys, teamSecrets);
    if (keyProblem) problems.push({ code: "secret-not-allowed", message: keyProblem });
    if (a.executor?.kind === "local" && options.allowLocalExecutor === false) {
      problems.push({
        code: "local-sandbox-not-allowed",
        message: `"${a.name}" runs in the local sandbox, which this team may not use`,
      });
    }
    if (a.executor && options.sandboxLimits) {
      for (const problem of sandboxLimitProblems(a.executor, options.sandboxLimits)) {
        problems.push({ code: "sandbox-over-limit", message: `"${a.name}": ${problem.message}` });
      }
    }
    a.managedAgents.forEach(visit);
  };
  visit(agent);
  return problems;
}
