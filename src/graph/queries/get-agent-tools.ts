import type { McpNode, ToolNode, WorkflowDocument } from "../workflow-document";
import { getOutgoing } from "./get-outgoing";

/** The tool and MCP server nodes an agent uses, in edge order. */
export function getAgentTools(
  doc: Pick<WorkflowDocument, "nodes" | "edges">,
  agentId: string,
): (ToolNode | McpNode)[] {
  return getOutgoing(doc, agentId, "uses-tool").filter(
    (n): n is ToolNode | McpNode => n.type === "tool" || n.type === "mcp",
  );
}
