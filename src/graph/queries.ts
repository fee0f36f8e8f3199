/** What an agent is connected to in a workflow document, in edge order: the compiler's and validation's questions. */
import type {
  AgentNode,
  EdgeKind,
  McpNode,
  ModelNode,
  SandboxNode,
  ToolNode,
  WorkflowDocument,
  WorkflowNode,
} from "./workflow-document";

/** The nodes an agent reaches through edges of one kind, in edge order. */
export function getOutgoing(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
  kind: EdgeKind,
): WorkflowNode[] {
  const out: WorkflowNode[] = [];
  for (const e of doc.edges) {
    if (e.type !== kind || e.source !== agentId) continue;
    const target = doc.nodes.find((n) => n.id === e.target);
    if (target) out.push(target);
  }
  return out;
}

/** Agents no other agent manages: a runnable workflow has exactly one. */
export function getRootAgents(doc: Pick<WorkflowDocument, "nodes" | "edges">): AgentNode[] {
  const managed = new Set(doc.edges.filter((e) => e.type === "manages").map((e) => e.target));
  return doc.nodes.filter((n): n is AgentNode => n.type === "agent" && !managed.has(n.id));
}

/** The model node an agent uses, if connected. */
export function getAgentModel(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): ModelNode | undefined {
  return getOutgoing(doc, agentId, "uses-model").find((n): n is ModelNode => n.type === "model");
}

/** The tool and MCP server nodes an agent uses, in edge order. */
export function getAgentTools(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): (ToolNode | McpNode)[] {
  return getOutgoing(doc, agentId, "uses-tool").filter(
    (n): n is ToolNode | McpNode => n.type === "tool" || n.type === "mcp",
  );
}

/** The sandbox node an agent runs its code in, if connected (else Pyodide by default). */
export function getAgentSandbox(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): SandboxNode | undefined {
  return getOutgoing(doc, agentId, "runs-in").find((n): n is SandboxNode => n.type === "sandbox");
}

/** The agents an agent manages directly, in edge order. */
export function getManagedAgents(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): AgentNode[] {
  return getOutgoing(doc, agentId, "manages").filter((n): n is AgentNode => n.type === "agent");
}
