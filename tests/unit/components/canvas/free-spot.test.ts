import { describe, expect, it } from "vitest";
import { findFreeSpot, type Rect } from "~/components/canvas/free-spot";

const size = { width: 224, height: 110 };
const gap = 24;

const touches = (a: Rect, b: Rect) =>
  a.x < b.x + b.width + gap &&
  b.x < a.x + a.width + gap &&
  a.y < b.y + b.height + gap &&
  b.y < a.y + a.height + gap;

describe("findFreeSpot", () => {
  it("centres the box on an empty canvas", () => {
    expect(findFreeSpot([], size, { x: 500, y: 300 })).toEqual({ x: 500 - 112, y: 300 - 55 });
  });

  it("moves off a node at the centre to the nearest free spot", () => {
    const occupied = [{ x: 388, y: 245, ...size }];
    const spot = findFreeSpot(occupied, size, { x: 500, y: 300 });
    expect(touches({ ...spot, ...size }, occupied[0]!)).toBe(false);
    // Nearest: straight above or below the node (the box is wider than high), not far away.
    expect(spot.x).toBe(388);
    expect(Math.abs(spot.y - 245)).toBeLessThanOrEqual(size.height + gap + 32);
  });

  it("adds node after node at the same centre without any two overlapping", () => {
    const placed: Rect[] = [];
    for (let i = 0; i < 12; i++) placed.push({ ...findFreeSpot(placed, size, { x: 0, y: 0 }), ...size });
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) expect(touches(placed[i]!, placed[j]!)).toBe(false);
    }
  });

  it("prefers spots inside the visible box, even when one outside is nearer", () => {
    const occupied = [{ x: 388, y: 245, ...size }];
    const within = { x: 300, y: 200, width: 800, height: 200 };
    const spot = findFreeSpot(occupied, size, { x: 500, y: 300 }, { within });
    expect(touches({ ...spot, ...size }, occupied[0]!)).toBe(false);
    expect(spot.x).toBeGreaterThanOrEqual(within.x);
    expect(spot.y).toBeGreaterThanOrEqual(within.y);
    expect(spot.x + size.width).toBeLessThanOrEqual(within.x + within.width);
    expect(spot.y + size.height).toBeLessThanOrEqual(within.y + within.height);
    // With no room inside, a spot outside rather than none.
    const tiny = { x: 388, y: 245, width: 10, height: 10 };
    const outside = findFreeSpot(occupied, size, { x: 500, y: 300 }, { within: tiny });
    expect(touches({ ...outside, ...size }, occupied[0]!)).toBe(false);
  });

  it("goes below everything when the rings around the centre are full", () => {
    const wall: Rect = { x: -10_000, y: -10_000, width: 20_000, height: 20_000 };
    expect(findFreeSpot([wall], size, { x: 0, y: 0 })).toEqual({ x: -112, y: 10_000 + gap });
  });
});
