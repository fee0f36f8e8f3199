import type { AgentNode, WorkflowDocument } from "../workflow-document";
import { getOutgoing } from "./get-outgoing";

/** The agents an agent manages directly, in edge order. */
export function getManagedAgents(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): AgentNode[] {
  return getOutgoing(doc, agentId, "manages").filter((n): n is AgentNode => n.type === "agent");
}
