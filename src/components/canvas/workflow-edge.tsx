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

/**
 * An edge of any kind, coloured by kind; `manages` is wider and ends in an arrowhead (its target
 * port is on top of the managed agent). Not dashed: dashing long curves is the costliest thing to
 * rasterise on a large canvas without a GPU (bench/canvas: pan p95 50 ms dashed, 16.7 ms solid).
 */
export const WorkflowEdge = memo(function WorkflowEdge(props: EdgeProps<CanvasEdge>) {
  const [path] = getBezierPath(props);
  const kind = (props.type ?? "uses-tool") as EdgeKind;
  const manages = kind === "manages";
  const { targetX: x, targetY: y } = props;
  return (
    <>
      <BaseEdge
        id={props.id}
        path={path}
        markerEnd={props.markerEnd}
        style={{
          stroke: edgeColors[kind],
          strokeWidth: (props.selected ? 1 : 0) + (manages ? 2.5 : 2),
        }}
      />
      {manages ? (
        <path d={`M ${x - 6} ${y - 10} L ${x} ${y - 2} L ${x + 6} ${y - 10} Z`} fill={edgeColors.manages} />
      ) : null}
    </>
  );
});

/** Module-level edge type map: one component for every kind. */
export const canvasEdgeTypes = {
  manages: WorkflowEdge,
  "uses-tool": WorkflowEdge,
  "uses-model": WorkflowEdge,
  "runs-in": WorkflowEdge,
} satisfies EdgeTypes;
