"use client";

import { BaseEdge, type EdgeProps, type EdgeTypes, getBezierPath } from "@xyflow/react";
import { memo } from "react";
import type { EdgeKind } from "~/graph";
import type { CanvasEdge } from "./canvas-types";

/** Stroke colour per edge kind, matching the agent's port colours. */
export const edgeColors: Record<EdgeKind, string> = {
  "uses-model": "#8b5cf6",
  "uses-tool": "#0ea5e9",
  manages: "#10b981",
  "runs-in": "#f59e0b",
};

/** An edge of any kind, coloured by kind, dashed for `manages`. */
export const WorkflowEdge = memo(function WorkflowEdge(props: EdgeProps<CanvasEdge>) {
  const [path] = getBezierPath(props);
  const kind = (props.type ?? "uses-tool") as EdgeKind;
  return (
    <BaseEdge
      id={props.id}
      path={path}
      markerEnd={props.markerEnd}
      style={{
        stroke: edgeColors[kind],
        strokeWidth: props.selected ? 3 : 2,
        strokeDasharray: kind === "manages" ? "6 4" : undefined,
      }}
    />
  );
});

/** Module-level edge type map: one component for every kind. */
export const canvasEdgeTypes = {
  manages: WorkflowEdge,
  "uses-tool": WorkflowEdge,
  "uses-model": WorkflowEdge,
  "runs-in": WorkflowEdge,
} satisfies EdgeTypes;
