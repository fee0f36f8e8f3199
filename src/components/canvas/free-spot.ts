/** A rectangle in flow coordinates (top-left corner and size). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FreeSpotOptions {
  /** Space kept free around the new box (default 24). */
  gap?: number;
  /** Distance between the candidate spots tried (default 32). */
  step?: number;
  /** How many rings of candidates are tried around the centre before giving up on nearness (default 40). */
  rings?: number;
  /** Spots inside this box (the visible part of the canvas) are preferred; outside it only when it is full. */
  within?: Rect;
}

const overlaps = (a: Rect, b: Rect, gap: number) =>
  a.x < b.x + b.width + gap &&
  b.x < a.x + a.width + gap &&
  a.y < b.y + b.height + gap &&
  b.y < a.y + a.height + gap;

/**
 * Where a box of `size` can go near `centre` without covering (or touching, within `gap`) any of the
 * `occupied` boxes: spots are tried on square grid rings around `centre`, inner rings first (nearest
 * first within a ring), and the first free one wins — first among the spots inside `within`, then
 * among all. When none of the rings has room, the spot just below everything. Returns the box's
 * top-left corner.
 */
export function findFreeSpot(
  occupied: readonly Rect[],
  size: { width: number; height: number },
  centre: { x: number; y: number },
  options: FreeSpotOptions = {},
): { x: number; y: number } {
  const gap = options.gap ?? 24;
  const step = options.step ?? 32;
  const rings = options.rings ?? 40;
  const origin = { x: centre.x - size.width / 2, y: centre.y - size.height / 2 };
  // Only boxes the search can reach matter.
  const reach = rings * step + Math.max(size.width, size.height) + gap;
  const near = occupied.filter(
    (r) =>
      r.x < origin.x + size.width + reach &&
      r.x + r.width > origin.x - reach &&
      r.y < origin.y + size.height + reach &&
      r.y + r.height > origin.y - reach,
  );
  const free = (x: number, y: number) => !near.some((r) => overlaps({ x, y, ...size }, r, gap));
  const inside = (x: number, y: number) =>
    !options.within ||
    (x >= options.within.x &&
      y >= options.within.y &&
      x + size.width <= options.within.x + options.within.width &&
      y + size.height <= options.within.y + options.within.height);
  return (
    nearestFree(origin, step, rings, (x, y) => inside(x, y) && free(x, y)) ??
    nearestFree(origin, step, rings, free) ?? {
      x: origin.x,
      y: Math.max(...occupied.map((r) => r.y + r.height)) + gap,
    }
  );
}

/** The first spot, ring by ring around `origin` (nearest first within a ring), that `accept`s. */
function nearestFree(
  origin: { x: number; y: number },
  step: number,
  rings: number,
  accept: (x: number, y: number) => boolean,
): { x: number; y: number } | undefined {
  for (let ring = 0; ring <= rings; ring++) {
    const candidates: { x: number; y: number; distance: number }[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        candidates.push({ x: origin.x + i * step, y: origin.y + j * step, distance: Math.hypot(i, j) });
      }
    }
    candidates.sort((a, b) => a.distance - b.distance);
    const spot = candidates.find((c) => accept(c.x, c.y));
    if (spot) return { x: spot.x, y: spot.y };
  }
  return undefined;
}
