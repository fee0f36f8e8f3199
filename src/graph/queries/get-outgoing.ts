import type { EdgeKind, WorkflowDocument, WorkflowNode } from "../workflow-document";

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
