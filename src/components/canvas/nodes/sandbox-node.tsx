"use client";

import type { NodeProps } from "@xyflow/react";
import { Box, ShieldAlert } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { NodeRow, NodeShell } from "./node-shell";

type SandboxCanvasNode = Extract<CanvasNode, { type: "sandbox" }>;

const kindLabel = {
  pyodide: "Pyodide (WebAssembly)",
  docker: "Docker container",
  local: "Local process (unsafe)",
} as const;

/** Where a CodeAgent's Python runs, with its limits. */
export const SandboxNode = memo(function SandboxNode({ id, data, selected }: NodeProps<SandboxCanvasNode>) {
  return (
    <NodeShell
      id={id}
      kind="sandbox"
      accent={data.kind === "local" ? "bg-red-500" : "bg-amber-500"}
      icon={data.kind === "local" ? <ShieldAlert /> : <Box />}
      title={data.kind === "pyodide" ? "Pyodide" : data.kind === "docker" ? "Docker" : "Local"}
      subtitle={kindLabel[data.kind]}
      selected={selected}
      targetHandle={{ id: "in", label: "Runs an agent's code" }}
    >
      {data.timeoutSeconds ? <NodeRow label="timeout" value={`${data.timeoutSeconds} s`} /> : null}
      {data.memoryMb ? <NodeRow label="memory" value={`${data.memoryMb} MB`} /> : null}
      {data.kind === "local" ? (
        <div className="text-destructive">No isolation: trusted setups only</div>
      ) : null}
    </NodeShell>
  );
});
