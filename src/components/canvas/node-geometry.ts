import { type NodeHandle, Position } from "@xyflow/react";
import type { WorkflowNode } from "~/graph";

/** An outgoing port of an agent, labelled with what it connects to. */
export interface SourcePort {
  id: string;
  label: string;
}

const codeAgentPorts: SourcePort[] = [
  { id: "model", label: "model" },
  { id: "tools", label: "tools" },
  { id: "managed", label: "agents" },
  { id: "sandbox", label: "sandbox" },
];
const toolCallingAgentPorts = codeAgentPorts.slice(0, 3);

/** The ports along an agent's bottom edge, left to right (a ToolCallingAgent has no sandbox). */
export function agentPorts(agentType: "code" | "toolCalling"): SourcePort[] {
  return agentType === "code" ? codeAgentPorts : toolCallingAgentPorts;
}

/*
 * Node geometry as NodeShell lays it out (w-56, a 1 px border, a 10 px target port centred on the top
 * edge, 12 px source ports spread evenly along the bottom edge, text-xs rows 16 px high).
 * e2e: tests/e2e/canvas.spec.ts compares these estimates with the measured DOM.
 */
const width = 224;
const border = 1;
const targetPortSize = 10;
const sourcePortSize = 12;
const rowHeight = 16;
/** A node's size when nothing better is known (auto-layout of nodes given without a size). */
export const defaultNodeSize = { width, height: 110 } as const;
const baseHeight = { model: 62, tool: 62, mcp: 78, sandbox: 62, agent: 104 } as const;

/** A node's height estimated from the rows NodeShell shows for its data. */
function estimatedHeight(node: WorkflowNode): number {
  switch (node.type) {
    case "agent": {
      const d = node.data;
      const instructionLines = d.instructions ? Math.min(2, Math.ceil(d.instructions.length / 40)) : 0;
      return baseHeight.agent + (d.planningInterval ? rowHeight : 0) + instructionLines * rowHeight;
    }
    case "tool":
      return baseHeight.tool + (node.data.kind === "builtin" ? 0 : rowHeight);
    default:
      return baseHeight[node.type];
  }
}

/**
 * A node's size and port positions before React Flow has measured it. With these, React Flow draws
 * the edges of nodes it has not rendered and renders only the nodes on screen: without them it
 * mounts every node once to measure its ports (500 nodes on opening a large workflow). The first
 * render of a node measures it and replaces the estimate.
 */
export function estimatedGeometry(node: WorkflowNode): {
  measured: { width: number; height: number };
  handles: NodeHandle[];
} {
  const height = estimatedHeight(node);
  const handles: NodeHandle[] = [
    {
      id: node.type === "agent" ? "manager" : "in",
      type: "target",
      position: Position.Top,
      x: width / 2 - targetPortSize / 2,
      y: border - targetPortSize / 2,
      width: targetPortSize,
      height: targetPortSize,
    },
  ];
  if (node.type === "agent") {
    const ports = agentPorts(node.data.agentType);
    const inner = width - 2 * border;
    ports.forEach((port, i) => {
      handles.push({
        id: port.id,
        type: "source",
        position: Position.Bottom,
        x: border + (inner * (2 * i + 1)) / (2 * ports.length) - sourcePortSize / 2,
        y: height - border - sourcePortSize / 2,
        width: sourcePortSize,
        height: sourcePortSize,
      });
    });
  }
  return { measured: { width, height }, handles };
}
