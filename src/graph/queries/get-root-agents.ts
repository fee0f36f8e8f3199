import type { AgentNode, WorkflowDocument } from "../workflow-document";

/** Agents no other agent manages: a runnable workflow has exactly one. */
export function getRootAgents(doc: Pick<WorkflowDocument, "nodes" | "edges">): AgentNode[] {
  const managed = new Set(doc.edges.filter((e) => e.type === "manages").map((e) => e.target));
  return doc.nodes.filter((n): n is AgentNode => n.type === "agent" && !managed.has(n.id));
}
