import type { Edge, Node } from "@xyflow/react";
import type { EdgeKind, WorkflowEdge, WorkflowNode, WorkflowNodeType } from "~/graph";

/**
 * Canvas node and edge types are React Flow's `Node`/`Edge` over the graph schema's own types:
 * the canvas has no node shape of its own (STYLE §3).
 */
export type CanvasNode = {
  [K in WorkflowNodeType]: Node<Extract<WorkflowNode, { type: K }>["data"], K>;
}[WorkflowNodeType];
export type CanvasEdge = Edge<Record<string, never>, EdgeKind> & { type: EdgeKind };

/** A node's size before React Flow has measured it (the node components are this wide). */
export const defaultNodeSize = { width: 224, height: 110 };

/** The graph part of the canvas state, as stored in an undo snapshot. */
export interface GraphSnapshot {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/** A graph node as a canvas node (plain copy; React Flow adds its own fields later). */
export function toCanvasNode(node: WorkflowNode, selected = false): CanvasNode {
  return {
    id: node.id,
    type: node.type,
    position: { ...node.position },
    data: node.data,
    selected,
    initialWidth: defaultNodeSize.width,
    initialHeight: defaultNodeSize.height,
  } as CanvasNode;
}

/** A graph edge as a canvas edge. */
export function toCanvasEdge(edge: WorkflowEdge, selected = false): CanvasEdge {
  return {
    id: edge.id,
    type: edge.type,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? null,
    targetHandle: edge.targetHandle ?? null,
    selected,
  };
}

/** A canvas node back to exactly what the graph schema accepts (drops React Flow's runtime fields). */
export function toWorkflowNode(node: CanvasNode): WorkflowNode {
  return {
    id: node.id,
    type: node.type,
    position: { x: node.position.x, y: node.position.y },
    data: node.data,
  } as WorkflowNode;
}

/** A canvas edge back to the graph schema's edge. */
export function toWorkflowEdge(edge: CanvasEdge): WorkflowEdge {
  return {
    id: edge.id,
    type: edge.type,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? null,
    targetHandle: edge.targetHandle ?? null,
  };
}
