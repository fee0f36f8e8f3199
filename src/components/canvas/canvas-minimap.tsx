"use client";

import { type ReactFlowState as FlowState, useReactFlow, useStoreApi } from "@xyflow/react";
import { useEffect, useRef } from "react";
import type { CanvasEdge, CanvasNode } from "./canvas-types";

type CanvasFlowState = FlowState<CanvasNode, CanvasEdge>;

/** The minimap's size in CSS pixels. */
const width = 150;
const height = 100;
/** Space around the graph inside the minimap, in CSS pixels. */
const inset = 6;

/** Where the graph's flow coordinates land in the minimap: minimap = (flow - origin) * scale + offset. */
interface Mapping {
  originX: number;
  originY: number;
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** A shown node's box in flow coordinates, with its colour. */
interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

/** The boxes of the nodes that are not hidden, at their measured (or initial) size. */
function nodeBoxes(state: CanvasFlowState, color: (node: CanvasNode) => string): NodeBox[] {
  const boxes: NodeBox[] = [];
  for (const node of state.nodeLookup.values()) {
    if (node.hidden) continue;
    boxes.push({
      ...node.internals.positionAbsolute,
      width: node.measured.width ?? node.initialWidth ?? 0,
      height: node.measured.height ?? node.initialHeight ?? 0,
      color: color(node.internals.userNode),
    });
  }
  return boxes;
}

/** Fit the boxes' bounding box into the minimap, centred. */
function mappingFor(boxes: readonly NodeBox[]): Mapping {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const box of boxes) {
    minX = Math.min(minX, box.x);
    minY = Math.min(minY, box.y);
    maxX = Math.max(maxX, box.x + box.width);
    maxY = Math.max(maxY, box.y + box.height);
  }
  if (!Number.isFinite(minX)) return { originX: 0, originY: 0, scale: 1, offsetX: 0, offsetY: 0 };
  const graphWidth = Math.max(1, maxX - minX);
  const graphHeight = Math.max(1, maxY - minY);
  const scale = Math.min((width - 2 * inset) / graphWidth, (height - 2 * inset) / graphHeight);
  return {
    originX: minX,
    originY: minY,
    scale,
    offsetX: (width - graphWidth * scale) / 2,
    offsetY: (height - graphHeight * scale) / 2,
  };
}

/**
 * An overview of the whole graph in the canvas's corner, with the part on screen outlined; click or
 * drag in it to move there, scroll in it to zoom.
 *
 * Drawn for speed on large graphs: the nodes are rectangles on a `<canvas>`, redrawn at most once a
 * frame when nodes change, and the outline of the view is a compositor layer moved by transform. React
 * Flow's SVG `<MiniMap>` ran a store selector per node and repainted its mask on every frame of a pan.
 */
export function CanvasMinimap({ color }: { color: (node: CanvasNode) => string }) {
  const store = useStoreApi<CanvasNode, CanvasEdge>();
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const mapping = useRef<Mapping>({ originX: 0, originY: 0, scale: 1, offsetX: 0, offsetY: 0 });

  useEffect(() => {
    const canvas = canvasRef.current;
    const view = viewRef.current;
    const context = canvas?.getContext("2d");
    if (!canvas || !view || !context) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);

    const placeView = (state: CanvasFlowState) => {
      const [x, y, zoom] = state.transform;
      const m = mapping.current;
      const left = (-x / zoom - m.originX) * m.scale + m.offsetX;
      const top = (-y / zoom - m.originY) * m.scale + m.offsetY;
      view.style.width = `${(state.width / zoom) * m.scale}px`;
      view.style.height = `${(state.height / zoom) * m.scale}px`;
      view.style.transform = `translate(${left}px, ${top}px)`;
    };

    const draw = () => {
      const state = store.getState();
      const boxes = nodeBoxes(state, color);
      const m = mappingFor(boxes);
      mapping.current = m;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      for (const box of boxes) {
        context.fillStyle = box.color;
        context.fillRect(
          (box.x - m.originX) * m.scale + m.offsetX,
          (box.y - m.originY) * m.scale + m.offsetY,
          box.width * m.scale,
          box.height * m.scale,
        );
      }
      placeView(state);
    };

    let frame = 0;
    const scheduleDraw = () => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw();
      });
    };
    draw();
    const unsubscribe = store.subscribe((state, previous) => {
      // A pan or zoom moves only the outline; anything else (nodes moved, measured, added) redraws.
      if (state.transform !== previous.transform || state.width !== previous.width) placeView(state);
      else scheduleDraw();
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [store, color]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    /** Zoom around the centre of the view, as the canvas's own zoom buttons do. */
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const zoom = store.getState().transform[2];
      void flow.zoomTo(zoom * (event.deltaY < 0 ? 1.2 : 1 / 1.2));
    };
    canvas.addEventListener("wheel", onWheel, { passive: false });
    return () => canvas.removeEventListener("wheel", onWheel);
  }, [flow, store]);

  /** Centre the view on the flow point under the pointer. */
  const moveTo = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const m = mapping.current;
    const x = (event.clientX - box.left - m.offsetX) / m.scale + m.originX;
    const y = (event.clientY - box.top - m.offsetY) / m.scale + m.originY;
    void flow.setCenter(x, y, { zoom: store.getState().transform[2] });
  };

  return (
    <figure
      aria-label="Minimap"
      data-testid="canvas-minimap"
      className="canvas-minimap absolute right-2 bottom-2 z-[5] overflow-hidden rounded-md border border-border bg-background shadow-card"
      style={{ width, height }}
    >
      <canvas
        ref={canvasRef}
        style={{ width, height }}
        className="block cursor-pointer touch-none"
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          moveTo(event);
        }}
        onPointerMove={(event) => {
          if (event.currentTarget.hasPointerCapture(event.pointerId)) moveTo(event);
        }}
      />
      <div ref={viewRef} className="canvas-minimap-view" aria-hidden />
    </figure>
  );
}
