import type { McpNode, ToolNode } from "../workflow-document";

/** The name a tool or MCP server node is known by inside its agent. */
export function getToolName(node: ToolNode | McpNode): string {
  return node.data.name;
}
