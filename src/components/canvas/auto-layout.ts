import ELK from "elkjs/lib/elk.bundled.js";
import type { WorkflowEdge, WorkflowNode } from "~/graph";
import { defaultNodeSize } from "./node-geometry";

const elk = new ELK();

/**
 * A layout plan: new positions for the given nodes, top-down along the edges (managers above
 * managed agents, agents above their models and tools). Pure data in, plan out; the store
 * commits it as one undo step.
 */
export async function computeLayout(
  nodes: readonly (Pick<WorkflowNode, "id"> & { measured?: { width?: number; height?: number } })[],
  edges: readonly Pick<WorkflowEdge, "id" | "source" | "target">[],
): Promise<Record<string, { x: number; y: number }>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.spacing.nodeNodeBetweenLayers": "80",
      "elk.spacing.nodeNode": "40",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? defaultNodeSize.width,
      height: n.measured?.height ?? defaultNodeSize.height,
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const positions: Record<string, { x: number; y: number }> = {};
  for (const child of graph.children ?? []) positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
  return positions;
}
