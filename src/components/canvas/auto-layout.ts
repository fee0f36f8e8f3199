import ELK from "elkjs/lib/elk.bundled.js";
import { defaultNodeSize } from "./node-geometry";

/** A node to lay out: its id and size (React Flow's measured size when known). */
export interface LayoutNode {
  id: string;
  measured?: { width?: number; height?: number };
}

/** An edge to lay out along: edges point down the layout (manager → agent → model, tools, sandbox). */
export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
}

/** Positions by node id (top-left corners, flow coordinates). */
export type LayoutPositions = Record<string, { x: number; y: number }>;

/** How far a layout has come: `done` of `total` parts laid out. */
export interface LayoutProgress {
  done: number;
  total: number;
}

export interface LayoutOptions {
  /** Called after each part is laid out (and once before the first). */
  onProgress?: (progress: LayoutProgress) => void;
  /** The most nodes given to one ELK run; larger graphs are laid out in parts (default 100). */
  partLimit?: number;
  /** Width over height the whole layout aims at when it would otherwise be a long row (default 16:10). */
  aspectRatio?: number;
}

/** Space between parts laid side by side, and between the bands a long row is wrapped into. */
const partGap = 120;
const bandGap = 200;
/** A layout wider than this many times its target aspect ratio is wrapped into bands… */
const wrapAbove = 2.5;
/** …when it is also wider than this (about 40 nodes side by side): a small graph keeps its one layout. */
const wrapWiderThan = 10_000;

const elk = new ELK();

interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const sizeOf = (node: LayoutNode) => ({
  width: node.measured?.width ?? defaultNodeSize.width,
  height: node.measured?.height ?? defaultNodeSize.height,
});

/** One ELK layered run, top-down along the edges (managers above managed agents, agents above their models and tools). */
async function layered(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Promise<Box[]> {
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.spacing.nodeNodeBetweenLayers": "80",
      "elk.spacing.nodeNode": "40",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: nodes.map((n) => ({ id: n.id, ...sizeOf(n) })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return (graph.children ?? []).map((c) => ({
    id: c.id,
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? defaultNodeSize.width,
    height: c.height ?? defaultNodeSize.height,
  }));
}

/** The parts of a large graph: a spine (nodes whose descendants are too many for one part) and parts under it. */
export interface GraphParts {
  spine: string[];
  parts: string[][];
}

/**
 * Splits a graph into parts of at most `limit` nodes along a spanning forest of its edges: a subtree
 * small enough is kept whole, sibling subtrees are packed into one part up to the limit, and the nodes
 * above them (whose subtrees are too large) form the spine. Parts come in depth-first order, so related
 * parts are neighbours. Every node is in exactly one part or in the spine.
 */
export function partitionGraph(
  nodeIds: readonly string[],
  edges: readonly Pick<LayoutEdge, "source" | "target">[],
  limit: number,
): GraphParts {
  const known = new Set(nodeIds);
  const targets = new Map<string, string[]>();
  const hasParent = new Set<string>();
  for (const e of edges) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    targets.set(e.source, [...(targets.get(e.source) ?? []), e.target]);
    hasParent.add(e.target);
  }
  // Spanning forest: each node's children are the nodes it reaches first (roots first, in order).
  const children = new Map<string, string[]>();
  const reached = new Set<string>();
  const roots: string[] = [];
  const grow = (root: string) => {
    reached.add(root);
    roots.push(root);
    const queue = [root];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      const mine: string[] = [];
      for (const next of targets.get(at) ?? []) {
        if (reached.has(next)) continue;
        reached.add(next);
        mine.push(next);
        queue.push(next);
      }
      children.set(at, mine);
    }
  };
  for (const id of nodeIds) if (!hasParent.has(id) && !reached.has(id)) grow(id);
  // Nodes only on cycles have a parent but no root reaches them.
  for (const id of nodeIds) if (!reached.has(id)) grow(id);

  const size = new Map<string, number>();
  const sizeOfTree = (root: string) => {
    // Iterative post-order: deep chains must not overflow the stack.
    const order: string[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const at = stack.pop()!;
      order.push(at);
      for (const c of children.get(at) ?? []) stack.push(c);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const at = order[i]!;
      size.set(at, 1 + (children.get(at) ?? []).reduce((sum, c) => sum + size.get(c)!, 0));
    }
  };
  for (const root of roots) sizeOfTree(root);

  const subtree = (root: string) => {
    const out: string[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const at = stack.pop()!;
      out.push(at);
      const mine = children.get(at) ?? [];
      for (let i = mine.length - 1; i >= 0; i--) stack.push(mine[i]!);
    }
    return out;
  };

  const spine: string[] = [];
  const parts: string[][] = [];
  /** Packs siblings into parts; a sibling too large joins the spine and its children are packed in turn. */
  const pack = (siblings: readonly string[]) => {
    let bin: string[] = [];
    const flush = () => {
      if (bin.length > 0) parts.push(bin);
      bin = [];
    };
    for (const id of siblings) {
      const n = size.get(id)!;
      if (n > limit) {
        flush();
        spine.push(id);
        pack(children.get(id) ?? []);
        continue;
      }
      if (bin.length + n > limit) flush();
      bin.push(...subtree(id));
    }
    flush();
  };
  pack(roots);
  return { spine, parts };
}

/**
 * Cuts a long row of boxes into bands of about `bandWidth` and stacks them top to bottom, like lines of
 * text. A cut goes through a gap between boxes where there is one near; a box belongs to the band its
 * centre is in, and keeps its place relative to the others of its band, so no two boxes overlap.
 */
export function wrapIntoBands(boxes: readonly Box[], bandWidth: number): Box[] {
  if (boxes.length === 0) return [];
  const left = Math.min(...boxes.map((b) => b.x));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const top = Math.min(...boxes.map((b) => b.y));
  const height = Math.max(...boxes.map((b) => b.y + b.height)) - top;
  const bands = Math.ceil((right - left) / bandWidth);
  if (bands <= 1) return boxes.map((b) => ({ ...b }));
  // The free gaps between the union of the boxes' x-extents.
  const sorted = [...boxes].sort((a, b) => a.x - b.x);
  const gaps: number[] = [];
  let reach = sorted[0]!.x + sorted[0]!.width;
  for (const b of sorted) {
    if (b.x > reach) gaps.push((reach + b.x) / 2);
    reach = Math.max(reach, b.x + b.width);
  }
  const cuts = [left];
  for (let k = 1; k < bands; k++) {
    const wanted = left + k * bandWidth;
    let best = wanted;
    let distance = bandWidth / 4;
    for (const gap of gaps) {
      const d = Math.abs(gap - wanted);
      if (d < distance && gap > cuts.at(-1)!) {
        distance = d;
        best = gap;
      }
    }
    cuts.push(best);
  }
  return boxes.map((b) => {
    const centre = b.x + b.width / 2;
    let band = 0;
    while (band + 1 < cuts.length && centre >= cuts[band + 1]!) band++;
    return { ...b, x: b.x - cuts[band]!, y: b.y + band * (height + bandGap) };
  });
}

const extent = (boxes: readonly Box[]) => {
  if (boxes.length === 0) return { left: 0, top: 0, width: 0, height: 0 };
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  return {
    left,
    top,
    width: Math.max(...boxes.map((b) => b.x + b.width)) - left,
    height: Math.max(...boxes.map((b) => b.y + b.height)) - top,
  };
};

/**
 * A layout plan: new positions for the given nodes, top-down along the edges. A graph of up to
 * `partLimit` nodes is one ELK layered run; a larger one is laid out in parts (see `partitionGraph`),
 * reporting progress after each, with its spine above them. Parts go side by side, and a row much wider
 * than the aspect ratio asks is wrapped into bands, so a large graph is never one long row. Pure data in,
 * plan out; the store commits it as one undo step.
 */
export async function computeLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: LayoutOptions = {},
): Promise<LayoutPositions> {
  const limit = options.partLimit ?? 100;
  const aspectRatio = options.aspectRatio ?? 16 / 10;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const inner = edges.filter((e) => byId.has(e.source) && byId.has(e.target));
  const { spine, parts } =
    nodes.length <= limit
      ? { spine: [], parts: [nodes.map((n) => n.id)] }
      : partitionGraph([...byId.keys()], inner, limit);
  const total = parts.length + (spine.length > 0 ? 1 : 0);
  let done = 0;
  options.onProgress?.({ done, total });
  const layOut = async (ids: readonly string[]) => {
    const members = new Set(ids);
    const boxes = await layered(
      ids.map((id) => byId.get(id)!),
      inner.filter((e) => members.has(e.source) && members.has(e.target)),
    );
    options.onProgress?.({ done: ++done, total });
    return boxes;
  };

  const spineBoxes = spine.length > 0 ? await layOut(spine) : [];
  const row: Box[] = [];
  let x = 0;
  for (const part of parts) {
    const boxes = await layOut(part);
    const e = extent(boxes);
    for (const b of boxes) row.push({ ...b, x: b.x - e.left + x, y: b.y - e.top });
    x += e.width + partGap;
  }
  const rowExtent = extent(row);
  const wide =
    rowExtent.width > wrapWiderThan &&
    rowExtent.width > wrapAbove * aspectRatio * Math.max(rowExtent.height, 1);
  const area = rowExtent.width * (rowExtent.height + bandGap);
  const laidOut = wide ? wrapIntoBands(row, Math.sqrt(area * aspectRatio)) : row;

  const positions: LayoutPositions = {};
  const below = extent(laidOut);
  const above = extent(spineBoxes);
  // The spine is centred over the parts, a layer's gap above them.
  const dx = below.left + (below.width - above.width) / 2 - above.left;
  const dy = spineBoxes.length > 0 ? above.height + 160 : 0;
  for (const b of spineBoxes) positions[b.id] = { x: b.x + dx, y: b.y - above.top };
  for (const b of laidOut) positions[b.id] = { x: b.x, y: b.y - below.top + dy };
  return positions;
}
