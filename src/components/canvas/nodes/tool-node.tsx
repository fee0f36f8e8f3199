"use client";

import type { NodeProps } from "@xyflow/react";
import { Globe, Library, Wrench } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { LibraryPin } from "./library-pin";
import { NodeRow, NodeShell } from "./node-shell";

type ToolCanvasNode = Extract<CanvasNode, { type: "tool" }>;

const kindLabel = {
  builtin: "Base tool",
  python: "Python tool",
  http: "HTTP tool",
  library: "Library tool",
} as const;

/** A tool: builtin, Python function, HTTP call or library reference, with its key settings. */
export const ToolNode = memo(function ToolNode({ id, data, selected }: NodeProps<ToolCanvasNode>) {
  const icon = data.kind === "http" ? <Globe /> : data.kind === "library" ? <Library /> : <Wrench />;
  return (
    <NodeShell
      id={id}
      kind="tool"
      accent="bg-emerald-500"
      icon={icon}
      title={data.name}
      subtitle={kindLabel[data.kind]}
      selected={selected}
      targetHandle={{ id: "in", label: "Used by an agent" }}
    >
      {data.kind === "http" ? <NodeRow label={data.method} value={data.url} /> : null}
      {data.kind === "python" ? (
        <NodeRow label="lines" value={data.source ? data.source.trimEnd().split("\n").length : 0} />
      ) : null}
      {data.kind === "library" ? <LibraryPin itemId={data.itemId} version={data.version} /> : null}
      {"description" in data && data.description ? (
        <div className="line-clamp-2">{data.description}</div>
      ) : null}
    </NodeShell>
  );
});
