import { type AgentSpec, type AgentSpecInput, agentSpecSchema, type ToolSpec } from "./agent-spec";
import { defaultCatalog, findLibraryAgent, findLibraryTool, type ToolCatalog } from "./catalog";
import { type GraphIssue, hasBlockingIssues } from "./graph-issue";
import { mcpServerSpec } from "./mcp-server";
import { prunePromptTemplates } from "./prompt-templates";
import { getAgentModel, getAgentSandbox, getAgentTools, getManagedAgents, getRootAgents } from "./queries";
import { schemaIssues, type ValidateOptions, validate } from "./validate";
import type { AgentNode, McpNode, ModelNode, ToolNode, WorkflowDocument } from "./workflow-document";

export type CompileResult =
  | { ok: true; spec: AgentSpec; warnings: GraphIssue[] }
  | { ok: false; issues: GraphIssue[] };

/**
 * Turn a valid workflow document into the engine's agent spec (`src/graph/agent-spec.ts`, the
 * JSON `npm run agent` reads). The root agent becomes the spec; managed agents nest under it.
 * Pure: the catalog resolves library tools, `knownSecrets` (optional) checks secret names.
 */
export function compile(
  doc: WorkflowDocument,
  catalog: ToolCatalog = defaultCatalog,
  options: Omit<ValidateOptions, "catalog"> = {},
): CompileResult {
  const issues = validate(doc, { ...options, catalog });
  if (hasBlockingIssues(issues)) return { ok: false, issues: issues.filter((i) => i.severity !== "warning") };
  const root = getRootAgents(doc)[0];
  if (!root)
    return {
      ok: false,
      issues: [{ code: "no-agent", severity: "error", path: ["nodes"], message: "No agent" }],
    };
  const input = agentNodeSpec(doc, root, catalog);
  const parsed = agentSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: schemaIssues(parsed.error) };
  return { ok: true, spec: parsed.data, warnings: issues };
}

/** An agent node and what it is connected to, as the spec the engine builds an agent from (`buildAgent`). */
function agentNodeSpec(doc: WorkflowDocument, agent: AgentNode, catalog: ToolCatalog): AgentSpecInput {
  const d = agent.data;
  if (d.library) {
    const entry = findLibraryAgent(catalog, d.library.itemId, d.library.version);
    // validate() has already reported a missing entry; this keeps the types honest.
    if (!entry)
      throw new Error(`Library agent ${d.library.itemId}@${d.library.version} vanished during compile`);
    return entry.agent;
  }
  const model = getAgentModel(doc, agent.id);
  const sandbox = d.agentType === "code" ? getAgentSandbox(doc, agent.id) : undefined;
  return {
    type: d.agentType,
    name: d.name,
    description: d.description,
    ...(d.instructions.trim() ? { instructions: d.instructions } : {}),
    model: model ? toModelSpec(model) : ({} as AgentSpecInput["model"]),
    tools: getAgentTools(doc, agent.id).map((t) => toToolSpec(t, catalog)),
    maxSteps: d.maxSteps,
    ...(d.planningInterval !== undefined ? { planningInterval: d.planningInterval } : {}),
    addBaseTools: d.addBaseTools,
    ...(d.outputSchema ? { outputSchema: d.outputSchema } : {}),
    ...(d.finalAnswerChecks?.length ? { finalAnswerChecks: d.finalAnswerChecks } : {}),
    additionalAuthorizedImports: d.agentType === "code" ? d.additionalAuthorizedImports : [],
    ...(d.agentType === "code" ? { executor: sandbox ? stripEmpty(sandbox.data) : { kind: "pyodide" } } : {}),
    ...promptTemplatesOf(d),
    managedAgents: getManagedAgents(doc, agent.id).map((child) => agentNodeSpec(doc, child, catalog)),
  };
}

/** The agent's prompt-template overrides that differ from the defaults, if any. */
function promptTemplatesOf(d: AgentNode["data"]): Pick<AgentSpecInput, "promptTemplates"> {
  const templates = prunePromptTemplates(d.agentType, d.promptTemplates);
  return templates ? { promptTemplates: templates } : {};
}

function toModelSpec(node: ModelNode): AgentSpecInput["model"] {
  const d = node.data;
  switch (d.provider) {
    case "openai":
      return stripEmpty({ ...d, baseUrl: d.baseUrl || undefined, apiKeySecret: d.apiKeySecret || undefined });
    case "hf":
      return stripEmpty({
        ...d,
        hfProvider: d.hfProvider || undefined,
        endpointUrl: d.endpointUrl || undefined,
        apiKeySecret: d.apiKeySecret || undefined,
      });
    case "replay":
      return d;
  }
}

function toToolSpec(node: ToolNode | McpNode, catalog: ToolCatalog): ToolSpec {
  // Checked by agentSpecSchema when the whole spec is parsed.
  if (node.type === "mcp") return mcpServerSpec(node.data) as ToolSpec;
  return toolDataSpec(node.data, catalog);
}

/**
 * A tool node's data as the engine's tool spec, before `toolSpecSchema` checks it: a library
 * reference resolves through the catalog, the other kinds are their data. The team library
 * stores what this returns for a shared python or http tool (`shareableTool` in ./library).
 */
export function toolDataSpec(d: ToolNode["data"], catalog: ToolCatalog = defaultCatalog): ToolSpec {
  if (d.kind === "library") {
    const entry = findLibraryTool(catalog, d.itemId, d.version);
    // validate() has already reported a missing entry; this keeps the types honest.
    if (!entry) throw new Error(`Library tool ${d.itemId}@${d.version} vanished during compile`);
    return entry.tool;
  }
  return stripEmpty(d) as ToolSpec;
}

/** Drop `undefined` fields so the spec JSON stays minimal and stable. */
function stripEmpty<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
