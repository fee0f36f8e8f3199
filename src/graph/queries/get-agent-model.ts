import type { ModelNode, WorkflowDocument } from "../workflow-document";
import { getOutgoing } from "./get-outgoing";

/** The model node an agent uses, if connected. */
export function getAgentModel(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): ModelNode | undefined {
  return getOutgoing(doc, agentId, "uses-model").find((n): n is ModelNode => n.type === "model");
}
