import type { Edge, Node } from "@xyflow/react";
import type { EdgeKind, WorkflowEdge, WorkflowNode, WorkflowNodeType } from "~/graph";
import { estimatedGeometry } from "./node-geometry";

/**
 * Canvas node and edge types are React Flow's `Node`/`Edge` over the graph schema's own types:
 * the canvas has no node shape of its own (one schema: docs/architecture.md, Contracts).
 */
export type CanvasNode = {
  [K in WorkflowNodeType]: Node<Extract<WorkflowNode, { type: K }>["data"], K>;
}[WorkflowNodeType];
export type CanvasEdge = Edge<Record<string, never>, EdgeKind> & { type: EdgeKind };

/** The graph part of the canvas state, as stored in an undo snapshot. */
export interface GraphSnapshot {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/**
 * A graph node as a canvas node. A node the canvas already has (`previous`, the same id) keeps its
 * size, measured or estimated, and React Flow the ports it holds for it; a new one starts from the
 * estimate.
 */
export function toCanvasNode(node: WorkflowNode, selected = false, previous?: CanvasNode): CanvasNode {
  const geometry = previous?.measured?.width ? { measured: previous.measured } : estimatedGeometry(node);
  return {
    id: node.id,
    type: node.type,
    position: { ...node.position },
    data: node.data,
    selected,
    ...geometry,
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
