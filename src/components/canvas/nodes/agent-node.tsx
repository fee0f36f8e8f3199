"use client";

import type { NodeProps } from "@xyflow/react";
import { Bot, Library } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { agentPorts } from "../node-geometry";
import { LibraryPin } from "./library-pin";
import { NodeRow, NodeShell } from "./node-shell";

type AgentCanvasNode = Extract<CanvasNode, { type: "agent" }>;

/**
 * A CodeAgent or ToolCallingAgent: name, type, steps, instructions preview; ports for model, tools,
 * agents, sandbox. An agent from the team library is one collapsed node pinned to a version: no
 * ports out (it brings its model, tools and managed agents), and a mark when a newer version exists.
 */
export const AgentNode = memo(function AgentNode({ id, data, selected }: NodeProps<AgentCanvasNode>) {
  const isCode = data.agentType === "code";
  const type = isCode ? "CodeAgent" : "ToolCallingAgent";
  const library = data.library;
  return (
    <NodeShell
      id={id}
      kind="agent"
      accent={library ? "bg-emerald-500" : isCode ? "bg-violet-500" : "bg-indigo-400"}
      icon={library ? <Library /> : <Bot />}
      title={data.name}
      subtitle={library ? `Library agent · ${type}` : type}
      selected={selected}
      targetHandle={{ id: "manager", label: "Managed by" }}
      sourcePorts={library ? [] : agentPorts(data.agentType)}
    >
      {library ? <LibraryPin itemId={library.itemId} version={library.version} /> : null}
      <NodeRow label="max steps" value={data.maxSteps} />
      {data.planningInterval ? (
        <NodeRow label="plans every" value={`${data.planningInterval} steps`} />
      ) : null}
      {data.instructions ? (
        <div className="line-clamp-2 whitespace-pre-wrap text-foreground/80">{data.instructions}</div>
      ) : null}
      {library && data.description ? <div className="line-clamp-2">{data.description}</div> : null}
    </NodeShell>
  );
});
