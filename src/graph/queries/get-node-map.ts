import type { WorkflowDocument, WorkflowNode } from "../workflow-document";

/** Nodes by id. */
export function getNodeMap(doc: Pick<WorkflowDocument, "nodes">): Map<string, WorkflowNode> {
  return new Map(doc.nodes.map((n) => [n.id, n]));
}
