import type { EdgeKind, WorkflowEdge, WorkflowNodeType } from "./workflow-document";

/**
 * Handle (port) ids. Every edge leaves an agent from the source handle of its kind and enters
 * the target through `manager` (an agent) or `in` (model, tool, MCP server, sandbox).
 */
export const sourceHandleByKind = {
  manages: "managed",
  "uses-tool": "tools",
  "uses-model": "model",
  "runs-in": "sandbox",
} as const satisfies Record<EdgeKind, string>;
export type SourceHandleId = (typeof sourceHandleByKind)[EdgeKind];

export const targetHandleByKind = {
  manages: "manager",
  "uses-tool": "in",
  "uses-model": "in",
  "runs-in": "in",
} as const satisfies Record<EdgeKind, string>;

/** An edge of this kind from an agent to a node, through the ports its kind uses. */
export function edgeOfKind(
  type: EdgeKind,
  source: string,
  target: string,
  id = `${source}-${type}-${target}`,
): WorkflowEdge {
  return {
    id,
    type,
    source,
    target,
    sourceHandle: sourceHandleByKind[type],
    targetHandle: targetHandleByKind[type],
  };
}

/** The edge kind a connection from an agent into a node of this type has. */
export const edgeKindByTargetType = {
  agent: "manages",
  model: "uses-model",
  tool: "uses-tool",
  mcp: "uses-tool",
  sandbox: "runs-in",
} as const satisfies Record<WorkflowNodeType, EdgeKind>;

/** The edge kind an agent's source handle starts. */
export function edgeKindOfSourceHandle(handle: string): EdgeKind | undefined {
  for (const [kind, id] of Object.entries(sourceHandleByKind)) if (id === handle) return kind as EdgeKind;
  return undefined;
}
