import type { SandboxNode, WorkflowDocument } from "../workflow-document";
import { getOutgoing } from "./get-outgoing";

/** The sandbox node an agent runs its code in, if connected (else Pyodide by default). */
export function getAgentSandbox(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): SandboxNode | undefined {
  return getOutgoing(doc, agentId, "runs-in").find((n): n is SandboxNode => n.type === "sandbox");
}
