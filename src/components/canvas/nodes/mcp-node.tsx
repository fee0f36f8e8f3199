"use client";

import type { NodeProps } from "@xyflow/react";
import { Plug } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { NodeRow, NodeShell } from "./node-shell";

type McpCanvasNode = Extract<CanvasNode, { type: "mcp" }>;

/** An MCP server whose tools an agent gets: name, URL or command, the chosen tools. */
export const McpNode = memo(function McpNode({ id, data, selected }: NodeProps<McpCanvasNode>) {
  return (
    <NodeShell
      id={id}
      kind="mcp"
      accent="bg-teal-500"
      icon={<Plug />}
      title={data.name}
      subtitle={
        data.tools?.length
          ? `MCP server · ${data.tools.length} tool${data.tools.length === 1 ? "" : "s"}`
          : "MCP server · no tools chosen"
      }
      selected={selected}
      targetHandle={{ id: "in", label: "Used by an agent" }}
    >
      {data.transport === "stdio" ? (
        <NodeRow label="command" value={[data.command, ...(data.args ?? [])].join(" ") || "—"} />
      ) : (
        <NodeRow label="URL" value={data.url || "—"} />
      )}
    </NodeShell>
  );
});
