import type { LayoutEdge, LayoutNode, LayoutPositions, LayoutProgress } from "./auto-layout";
import { type LayoutRequest, layoutResponseSchema } from "./layout-protocol";
import { defaultNodeSize } from "./node-geometry";

/** Thrown by a running layout's `result` when it is cancelled. */
export class LayoutCancelledError extends Error {
  constructor() {
    super("Auto-layout was cancelled");
    this.name = "LayoutCancelledError";
  }
}

/** A layout running in a worker: its result, and a way to stop it at once. */
export interface RunningLayout {
  result: Promise<LayoutPositions>;
  /** Stops the worker; `result` then rejects with `LayoutCancelledError`. */
  cancel(): void;
}

let nextRequest = 0;

/**
 * Lays a graph out in a Web Worker (a new one per layout, ended when it answers or is cancelled), so
 * the page stays responsive however long ELK takes. Progress arrives through `onProgress`.
 */
export function startLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  onProgress: (progress: LayoutProgress) => void,
): RunningLayout {
  const worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  const requestId = `layout-${++nextRequest}`;
  let settle: { resolve: (p: LayoutPositions) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<LayoutPositions>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const finish = (outcome: LayoutPositions | Error) => {
    worker.terminate();
    const s = settle;
    settle = undefined;
    if (!s) return;
    if (outcome instanceof Error) s.reject(outcome);
    else s.resolve(outcome);
  };
  worker.onmessage = (event: MessageEvent<unknown>) => {
    const parsed = layoutResponseSchema.safeParse(event.data);
    if (!parsed.success) {
      finish(new Error("The layout worker answered something unreadable"));
      return;
    }
    const message = parsed.data;
    if (message.requestId !== requestId) return;
    if (message.type === "progress") onProgress({ done: message.done, total: message.total });
    else if (message.type === "result") finish(message.positions);
    else finish(new Error(message.message));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    finish(new Error(`The layout worker failed: ${event.message || "it could not start"}`));
  };
  const request: LayoutRequest = {
    type: "layout",
    requestId,
    nodes: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width || defaultNodeSize.width,
      height: n.measured?.height || defaultNodeSize.height,
    })),
    edges: edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
  };
  worker.postMessage(request);
  return { result, cancel: () => finish(new LayoutCancelledError()) };
}
