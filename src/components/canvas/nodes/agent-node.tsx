"use client";

import type { NodeProps } from "@xyflow/react";
import { Bot } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { agentPorts } from "../node-geometry";
import { NodeRow, NodeShell } from "./node-shell";

type AgentCanvasNode = Extract<CanvasNode, { type: "agent" }>;

/** A CodeAgent or ToolCallingAgent: name, type, steps, instructions preview; ports for model, tools, agents, sandbox. */
export const AgentNode = memo(function AgentNode({ id, data, selected }: NodeProps<AgentCanvasNode>) {
  const isCode = data.agentType === "code";
  return (
    <NodeShell
      id={id}
      kind="agent"
      accent={isCode ? "bg-violet-500" : "bg-indigo-400"}
      icon={<Bot />}
      title={data.name}
      subtitle={isCode ? "CodeAgent" : "ToolCallingAgent"}
      selected={selected}
      targetHandle={{ id: "manager", label: "Managed by" }}
      sourcePorts={agentPorts(data.agentType)}
    >
      <NodeRow label="max steps" value={data.maxSteps} />
      {data.planningInterval ? (
        <NodeRow label="plans every" value={`${data.planningInterval} steps`} />
      ) : null}
      {data.instructions ? (
        <div className="line-clamp-2 whitespace-pre-wrap text-foreground/80">{data.instructions}</div>
      ) : null}
    </NodeShell>
  );
});
