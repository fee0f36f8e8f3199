import { z } from "zod";
import {
  type AgentSpec,
  httpToolSecretNames,
  httpToolSpecSchema,
  pythonToolSpecSchema,
  type ToolSpec,
} from "./agent-spec";
import { compile, toolDataSpec } from "./compile";
import { toolProblems, type ValidateOptions } from "./validate";
import {
  type ToolNodeData,
  toolNodeDataSchema,
  type WorkflowDocument,
  type WorkflowEdge,
  type WorkflowNode,
  workflowDocumentSchema,
  workflowEdgeSchema,
  workflowLimits,
  workflowNodeSchema,
} from "./workflow-document";

/**
 * The team library's side of the graph: which tools and agents can be shared, and the spec a
 * shared version stores. Pure and browser-safe: the canvas checks a tool before offering "Share", the
 * server checks it again before writing.
 */

/** The tool kinds a team can share: the ones whose whole definition is their node's data. */
export const shareableToolKinds = ["python", "http"] as const;
export type ShareableToolKind = (typeof shareableToolKinds)[number];

/** A python or http tool node's data. */
export type ShareableToolData = Extract<ToolNodeData, { kind: ShareableToolKind }>;

/** What one library version stores: the engine's spec of a python or http tool (secrets by name). */
export const libraryToolSpecSchema = z.discriminatedUnion("kind", [pythonToolSpecSchema, httpToolSpecSchema]);
export type LibraryToolSpec = z.infer<typeof libraryToolSpecSchema>;

export type ShareableToolResult = { ok: true; tool: LibraryToolSpec } | { ok: false; message: string };

const fieldLabels: Record<string, string> = {
  name: "The tool name",
  description: "The description",
  source: "The Python source",
  url: "The URL",
};

function schemaMessage(issue: z.core.$ZodIssue): string {
  const field = issue.path.filter((p) => typeof p !== "symbol").join(".");
  if (issue.code === "too_big" && issue.origin === "string") {
    const label = fieldLabels[field] ?? (field ? `"${field}"` : "The value");
    return `${label} is over ${Number(issue.maximum).toLocaleString("en-US")} characters`;
  }
  return field ? `${field}: ${issue.message}` : issue.message;
}

/**
 * Check untrusted input as a python or http tool node's data and turn it into the tool spec the
 * library stores — the spec `compile` would produce for that node, so a library node runs exactly
 * what was shared. `ok: false` carries one precise message (the first problem).
 */
export function shareableTool(input: unknown): ShareableToolResult {
  const kind = typeof input === "object" && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (kind === "library") {
    return { ok: false, message: "This tool is already from the team library: share the original instead" };
  }
  if (kind === "builtin") {
    return {
      ok: false,
      message: "Builtin tools come with every workflow: only python and HTTP tools are shared",
    };
  }
  if (kind !== "python" && kind !== "http") {
    return {
      ok: false,
      message: `Only python and HTTP tools can be shared${typeof kind === "string" ? ` (not "${kind.slice(0, 40)}")` : ""}`,
    };
  }
  const parsed = toolNodeDataSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: schemaMessage(parsed.error.issues[0]!) };
  const problem = toolProblems(parsed.data)[0];
  if (problem) return { ok: false, message: problem.message };
  const spec = libraryToolSpecSchema.safeParse(toolDataSpec(parsed.data));
  if (!spec.success) return { ok: false, message: schemaMessage(spec.error.issues[0]!) };
  return { ok: true, tool: spec.data };
}

/** The secret names a tool reads at run time (never values: a spec holds none). */
export function toolSecretNames(tool: ToolSpec): string[] {
  if (tool.kind !== "http" && tool.kind !== "mcp") return [];
  const env = tool.kind === "mcp" ? Object.values(tool.envSecrets ?? {}) : [];
  return [...new Set([...httpToolSecretNames(tool), ...env])].sort();
}

/**
 * A JSON value with object keys sorted at every depth and `undefined` fields dropped: two specs
 * are the same shared version exactly when their canonical forms are equal, whatever order their
 * fields were written in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) sorted[key] = sortedKeys(field);
  }
  return sorted;
}

/** Whether two stored specs (tool or agent) define the same thing: sharing one again adds no version. */
export function sameLibrarySpec(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** An agent item's canvas sub-graph: the agent and every node it reaches, with their edges. */
export const libraryAgentGraphSchema = z.object({
  nodes: z.array(workflowNodeSchema).max(workflowLimits.maxNodes),
  edges: z.array(workflowEdgeSchema).max(workflowLimits.maxEdges),
});
export type LibraryAgentGraph = z.infer<typeof libraryAgentGraphSchema>;

/**
 * The nodes an agent reaches through its edges (model, sandbox, tools, managed agents and theirs),
 * with the edges between them, moved so the agent sits at the origin. The agent comes first.
 */
export function agentSubgraph(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): LibraryAgentGraph {
  const reached = new Set<string>([agentId]);
  const queue = [agentId];
  const edges: WorkflowEdge[] = [];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const edge of doc.edges) {
      if (edge.source !== at) continue;
      edges.push(edge);
      if (!reached.has(edge.target)) {
        reached.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  const origin = doc.nodes.find((n) => n.id === agentId)?.position ?? { x: 0, y: 0 };
  const nodes = [...reached].flatMap((id) => {
    const node = doc.nodes.find((n) => n.id === id);
    if (!node) return [];
    return [{ ...node, position: { x: node.position.x - origin.x, y: node.position.y - origin.y } }];
  });
  return { nodes, edges: edges.filter((e) => reached.has(e.target)) };
}

export type ShareableAgentResult =
  | { ok: true; agent: AgentSpec; graph: LibraryAgentGraph }
  | { ok: false; message: string };

/**
 * Check an agent of a workflow document for sharing and turn it into what an agent item version
 * stores: the spec `compile` produces for the agent's sub-graph (library tools and agents it uses
 * resolved through `options.catalog`), and the sub-graph itself. `ok: false` carries one precise
 * message (the first problem).
 */
export function shareableAgent(
  document: unknown,
  nodeId: string,
  options: ValidateOptions = {},
): ShareableAgentResult {
  const parsed = workflowDocumentSchema.safeParse(document);
  if (!parsed.success) return { ok: false, message: schemaMessage(parsed.error.issues[0]!) };
  const node = parsed.data.nodes.find((n) => n.id === nodeId);
  if (!node) return { ok: false, message: "That node is not in the workflow" };
  if (node.type !== "agent") return { ok: false, message: "Only agents are shared this way" };
  if (node.data.library) {
    return { ok: false, message: "This agent is already from the team library: share the original instead" };
  }
  const graph = agentSubgraph(parsed.data, nodeId);
  const compiled = compile({ ...parsed.data, ...graph }, options.catalog, options);
  if (!compiled.ok) {
    const issue = compiled.issues[0];
    const at = issue?.nodeId ? graph.nodes.find((n) => n.id === issue.nodeId) : undefined;
    const where = at && at.id !== nodeId ? ` (${at.type} "${nodeLabel(at)}")` : "";
    return { ok: false, message: `${issue?.message ?? "It does not compile"}${where}` };
  }
  return { ok: true, agent: compiled.spec, graph };
}

function nodeLabel(node: WorkflowNode): string {
  if (node.type === "model") return node.data.model;
  if (node.type === "sandbox") return node.data.kind;
  return node.data.name;
}

/** The secret names a shared agent reads at run time, at any depth (never values). */
export function agentSecretNames(agent: AgentSpec): string[] {
  const names = new Set<string>();
  const visit = (a: AgentSpec) => {
    if (a.model.provider !== "replay" && a.model.apiKeySecret) names.add(a.model.apiKeySecret);
    for (const tool of a.tools) for (const name of toolSecretNames(tool)) names.add(name);
    a.managedAgents.forEach(visit);
  };
  visit(agent);
  return [...names].sort();
}

/** What one agent item version holds: the spec a pinned node runs, and its canvas sub-graph. */
export interface SharedAgent {
  spec: AgentSpec;
  graph: LibraryAgentGraph;
}

/** One line saying what a library tool is: its Python signature, or its HTTP request. */
export function toolSignature(tool: LibraryToolSpec): string {
  if (tool.kind === "http") return `${tool.method} ${tool.url}`;
  return /^\s*((?:async\s+)?def\s+[^\n]*)/m.exec(tool.source)?.[1]?.trim() ?? tool.name;
}

/** One line saying what a shared agent is: its kind, model, and how many tools and managed agents it uses. */
export function agentSignature(agent: AgentSpec): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const type = agent.type === "code" ? "CodeAgent" : "ToolCallingAgent";
  const uses = `${count(agent.tools.length, "tool")}, ${count(agent.managedAgents.length, "managed agent")}`;
  return `${type} · ${agent.model.provider} ${agent.model.model} · ${uses}`;
}
