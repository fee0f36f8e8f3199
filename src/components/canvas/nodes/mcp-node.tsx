"use client";

import type { NodeProps } from "@xyflow/react";
import { Plug } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { NodeRow, NodeShell } from "./node-shell";

type McpCanvasNode = Extract<CanvasNode, { type: "mcp" }>;

/** An MCP server whose tools an agent gets: name, URL, tool filter. */
export const McpNode = memo(function McpNode({ id, data, selected }: NodeProps<McpCanvasNode>) {
  return (
    <NodeShell
      id={id}
      kind="mcp"
      accent="bg-teal-500"
      icon={<Plug />}
      title={data.name}
      subtitle="MCP server"
      selected={selected}
      targetHandle={{ id: "in", label: "Used by an agent" }}
    >
      <NodeRow label="URL" value={data.url || "—"} />
      {data.include?.length ? <NodeRow label="only" value={data.include.join(", ")} /> : null}
    </NodeShell>
  );
});
