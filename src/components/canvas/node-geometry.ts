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

/** The centre of source port `index` of `count`, as a fraction of the node's width inside its border. */
export function sourcePortFraction(index: number, count: number): number {
  return (2 * index + 1) / (2 * count);
}

/** The ports along an agent's bottom edge, left to right (a ToolCallingAgent has no sandbox). */
export function agentPorts(agentType: "code" | "toolCalling"): SourcePort[] {
  return agentType === "code" ? codeAgentPorts : toolCallingAgentPorts;
}

/*
 * Node geometry as NodeShell lays it out (w-56, a 1 px border, a 10 px target port centred on the top
 * edge, 12 px source ports spread evenly along the bottom edge, text-xs rows 16 px high, 2 px apart).
 * e2e: tests/e2e/canvas.spec.ts compares these estimates with the measured DOM.
 */
const width = 224;
/** The node frame's border width. */
export const nodeBorder = 1;
const targetPortSize = 10;
const sourcePortSize = 12;
const lineHeight = 16;
/** A node's size when nothing better is known (auto-layout of nodes given without a size). */
export const defaultNodeSize = { width, height: 110 } as const;
/** Tailwind's space-y-0.5 between the rows of a node's key settings. */
const rowGap = 2;
/** Heights of nodes as they usually are: an agent with only its steps row, others with one row (sandboxes none). */
const typicalHeight = { model: 78, tool: 78, mcp: 78, sandbox: 62, agent: 102 } as const;

/** Characters of text-xs that fit a line of a node's settings (198 px). */
const charactersPerLine = 30;

/** Lines a `line-clamp-2`, pre-wrapped text block takes: words wrapped greedily, at most two. */
function clampedLines(text: string): number {
  let lines = 0;
  for (const paragraph of text.split("\n")) {
    let used = 0;
    lines++;
    for (const word of paragraph.split(" ")) {
      const needed = used === 0 ? word.length : used + 1 + word.length;
      if (needed > charactersPerLine && used > 0) {
        lines++;
        used = word.length;
      } else used = needed;
    }
  }
  return Math.min(2, lines);
}

/**
 * A node's height estimated from its data. Exact for an agent (its ports are on the bottom edge)
 * but for its issue list; for the other kinds a typical height.
 */
function estimatedHeight(node: WorkflowNode): number {
  switch (node.type) {
    case "agent": {
      const d = node.data;
      const planning = d.planningInterval ? rowGap + lineHeight : 0;
      const instructions = d.instructions ? rowGap + clampedLines(d.instructions) * lineHeight : 0;
      return typicalHeight.agent + planning + instructions;
    }
    default:
      // Only the top port, whatever the height: the height just sizes an unrendered node's box.
      return typicalHeight[node.type];
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
      y: -targetPortSize / 2,
      width: targetPortSize,
      height: targetPortSize,
    },
  ];
  if (node.type === "agent") {
    const ports = agentPorts(node.data.agentType);
    const inner = width - 2 * nodeBorder;
    ports.forEach((port, i) => {
      handles.push({
        id: port.id,
        type: "source",
        position: Position.Bottom,
        x: nodeBorder + inner * sourcePortFraction(i, ports.length) - sourcePortSize / 2,
        y: height - sourcePortSize / 2,
        width: sourcePortSize,
        height: sourcePortSize,
      });
    });
  }
  return { measured: { width, height }, handles };
}
