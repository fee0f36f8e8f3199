import type { NodeTypes } from "@xyflow/react";
import { AgentNode } from "./agent-node";
import { McpNode } from "./mcp-node";
import { ModelNode } from "./model-node";
import { SandboxNode } from "./sandbox-node";
import { ToolNode } from "./tool-node";

/** One memoised component per node kind, in a module-level map (a stable reference for React Flow). */
export const canvasNodeTypes = {
  agent: AgentNode,
  model: ModelNode,
  tool: ToolNode,
  mcp: McpNode,
  sandbox: SandboxNode,
} satisfies NodeTypes;
