import { describe, expect, it } from "vitest";
import {
  computeLayout,
  type LayoutEdge,
  type LayoutProgress,
  partitionGraph,
  wrapIntoBands,
} from "~/components/canvas/auto-layout";
import { defaultNodeSize } from "~/components/canvas/node-geometry";

/**
 * A team as large workflows have it: agents in a managing tree (each manages up to `fanOut`), each
 * with a model and three tools, every other one with a sandbox.
 */
function team(agents: number, fanOut = 10) {
  const nodes: { id: string }[] = [];
  const edges: LayoutEdge[] = [];
  const link = (source: string, target: string) => edges.push({ id: `e${edges.length}`, source, target });
  for (let a = 0; a < agents; a++) {
    nodes.push({ id: `agent${a}` }, { id: `model${a}` });
    if (a > 0) link(`agent${Math.floor((a - 1) / fanOut)}`, `agent${a}`);
    link(`agent${a}`, `model${a}`);
    for (let t = 0; t < 3; t++) {
      nodes.push({ id: `tool${a}.${t}` });
      link(`agent${a}`, `tool${a}.${t}`);
    }
    if (a % 2 === 0) {
      nodes.push({ id: `sandbox${a}` });
      link(`agent${a}`, `sandbox${a}`);
    }
  }
  return { nodes, edges };
}

type Positions = Record<string, { x: number; y: number }>;

function overlapping(positions: Positions): [string, string] | undefined {
  const boxes = Object.entries(positions).sort((a, b) => a[1].x - b[1].x);
  for (let i = 0; i < boxes.length; i++) {
    const [a, p] = boxes[i]!;
    for (let j = i + 1; j < boxes.length && boxes[j]![1].x < p.x + defaultNodeSize.width; j++) {
      const [b, q] = boxes[j]!;
      if (Math.abs(q.y - p.y) < defaultNodeSize.height) return [a, b];
    }
  }
  return undefined;
}

function extent(positions: Positions) {
  const all = Object.values(positions);
  const width = Math.max(...all.map((p) => p.x)) - Math.min(...all.map((p) => p.x)) + defaultNodeSize.width;
  const height = Math.max(...all.map((p) => p.y)) - Math.min(...all.map((p) => p.y)) + defaultNodeSize.height;
  return { width, height };
}

describe("partitionGraph", () => {
  it("puts every node in exactly one part or the spine, parts within the limit", () => {
    const { nodes, edges } = team(300);
    const { spine, parts } = partitionGraph(
      nodes.map((n) => n.id),
      edges,
      100,
    );
    const seen = [...spine, ...parts.flat()];
    expect(seen.sort()).toEqual(nodes.map((n) => n.id).sort());
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
    // The root manages everything: it is on the spine, and a small subtree stays in one part.
    expect(spine).toContain("agent0");
    const partOf = (id: string) => parts.findIndex((p) => p.includes(id));
    expect(partOf("tool299.0")).toBe(partOf("agent299"));
  });

  it("handles cycles and nodes without edges", () => {
    const ids = ["a", "b", "c", "lonely"];
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "c", target: "a" },
    ];
    const { spine, parts } = partitionGraph(ids, edges, 2);
    expect([...spine, ...parts.flat()].sort()).toEqual(ids);
  });
});

describe("wrapIntoBands", () => {
  it("stacks a long row into bands without overlaps", () => {
    const row = Array.from({ length: 40 }, (_, i) => ({
      id: `n${i}`,
      x: i * 260,
      y: (i % 3) * 150,
      width: defaultNodeSize.width,
      height: defaultNodeSize.height,
    }));
    const wrapped = wrapIntoBands(row, 2000);
    const positions = Object.fromEntries(wrapped.map((b) => [b.id, { x: b.x, y: b.y }]));
    expect(overlapping(positions)).toBeUndefined();
    const { width, height } = extent(positions);
    expect(width).toBeLessThanOrEqual(2000 + defaultNodeSize.width);
    expect(height).toBeGreaterThan(3 * 150);
  });
});

describe("computeLayout", () => {
  it("lays a small team out top-down in one run", async () => {
    const { nodes, edges } = team(4);
    const progress: LayoutProgress[] = [];
    const positions = await computeLayout(nodes, edges, { onProgress: (p) => progress.push(p) });
    expect(Object.keys(positions).sort()).toEqual(nodes.map((n) => n.id).sort());
    expect(positions.agent0!.y).toBeLessThan(positions.agent1!.y);
    expect(positions.agent1!.y).toBeLessThan(positions.model1!.y);
    expect(progress).toEqual([
      { done: 0, total: 1 },
      { done: 1, total: 1 },
    ]);
    expect(overlapping(positions)).toBeUndefined();
  });

  it("lays a 1,375-node team out in parts, reporting each, in a shape near its aspect ratio", async () => {
    const { nodes, edges } = team(250);
    expect(nodes.length).toBe(1375);
    const progress: LayoutProgress[] = [];
    const positions = await computeLayout(nodes, edges, { onProgress: (p) => progress.push(p) });
    expect(Object.keys(positions)).toHaveLength(1375);
    expect(overlapping(positions)).toBeUndefined();
    const total = progress[0]!.total;
    expect(total).toBeGreaterThan(10);
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    // One ELK run over the whole team lays it out as one row over a hundred times wider than high.
    const { width, height } = extent(positions);
    expect(width / height).toBeGreaterThan(0.5);
    expect(width / height).toBeLessThan(4);
    // The root is above everything it manages.
    const lowestOtherTop = Math.min(
      ...Object.entries(positions)
        .filter(([id]) => id !== "agent0")
        .map(([, p]) => p.y),
    );
    expect(positions.agent0!.y).toBeLessThanOrEqual(lowestOtherTop);
  }, 60_000);
});
