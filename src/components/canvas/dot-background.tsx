"use client";

import { useStoreApi } from "@xyflow/react";
import { useEffect, useRef } from "react";

/** Screen pixels between dots below which no dots are drawn. */
const minimumDotGap = 6;

/** `n` modulo `m`, always in [0, m). */
const modulo = (n: number, m: number) => ((n % m) + m) % m;

/**
 * The canvas's dotted background, painted once and moved by the compositor.
 *
 * React Flow's `<Background>` shifts an SVG pattern on every viewport change, so every frame of a pan
 * repaints and rasterises the whole pane (a quarter of a pan's raster time in software rendering).
 * Here the dots are a CSS gradient on a layer one gap larger than the pane on each side, translated by
 * the viewport offset modulo the gap: a pan only moves a layer; a zoom repaints it once. The viewport
 * is read from React Flow's store and written to the element directly, without a React render.
 */
export function DotBackground({ gap, size }: { gap: number; size: number }) {
  const store = useStoreApi();
  const layer = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = layer.current;
    if (!element) return;
    let zoom = Number.NaN;
    let step = gap;
    let radius = size / 2;
    const place = ([x, y, nextZoom]: readonly [number, number, number]) => {
      if (nextZoom !== zoom) {
        zoom = nextZoom;
        step = gap * zoom;
        radius = Math.min(step / 2, Math.max(0.5, (size * zoom) / 2));
        element.style.inset = `${-step}px`;
        element.style.backgroundSize = `${step}px ${step}px`;
        // Below a few pixels apart the dots would read as a grey wash: none, as on paper.
        element.style.backgroundImage =
          step < minimumDotGap
            ? "none"
            : `radial-gradient(circle at ${radius}px ${radius}px, var(--canvas-dot-color) ${radius}px, transparent ${radius + 0.5}px)`;
      }
      // Dots sit at flow coordinates that are multiples of `gap`: screen x + k·step.
      element.style.transform = `translate(${modulo(x - radius, step)}px, ${modulo(y - radius, step)}px)`;
    };
    place(store.getState().transform);
    return store.subscribe((state, previous) => {
      if (state.transform !== previous.transform) place(state.transform);
    });
  }, [store, gap, size]);

  return (
    <div className="react-flow__background canvas-dot-background" data-testid="rf__background" aria-hidden>
      <div ref={layer} className="canvas-dot-layer" />
    </div>
  );
}
