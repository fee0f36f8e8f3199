import { createStore } from "zustand/vanilla";
import { createEmptyWorkflow, defaultCatalog, validate, type WorkflowDocument } from "~/graph";
import { clipboardSlice } from "./canvas-store/clipboard";
import { graphEditsSlice } from "./canvas-store/graph-edits";
import { historySlice } from "./canvas-store/history";
import { createKernel, issuesPerNode } from "./canvas-store/kernel";
import { layoutSlice } from "./canvas-store/layout";
import { selectionSlice } from "./canvas-store/selection";
import type { CanvasState, CanvasStoreOptions } from "./canvas-store/state";
import { validationContextSlice } from "./canvas-store/validation-context";
import { toCanvasEdge, toCanvasNode } from "./canvas-types";

export { coalesceMs, historyLimit } from "./canvas-store/kernel";
export type { CanvasState, CanvasStore, CanvasStoreOptions } from "./canvas-store/state";

const randomId = (type: string) =>
  `${type}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * The canvas store: nodes, edges, selection, clipboard and undo behind named actions, one slice per
 * concept in `canvas-store/` (graph edits, history, selection, clipboard, layout, validation context).
 * Framework-free (zustand vanilla), so it is tested in Node without a React tree.
 */
export function createCanvasStore(
  initial: WorkflowDocument = createEmptyWorkflow(),
  options: CanvasStoreOptions = {},
) {
  const newId = options.newId ?? randomId;
  const now = options.now ?? Date.now;

  return createStore<CanvasState>()((set, get) => {
    const kernel = createKernel(set, get, newId, now);
    const catalog = options.catalog ?? defaultCatalog;
    const issues = validate(initial, { catalog });

    return {
      nodes: initial.nodes.map((n) => toCanvasNode(n)),
      edges: initial.edges.map((e) => toCanvasEdge(e)),
      viewport: initial.viewport,
      issues,
      issuesByNode: issuesPerNode(issues, {}),
      knownSecrets: undefined,
      installationKeys: undefined,
      teamSecrets: undefined,
      allowLocalExecutor: undefined,
      mcpStdioCommands: undefined,
      catalog,
      changeCount: 0,
      lastRefusal: null,
      dragging: false,
      ...graphEditsSlice(kernel),
      ...historySlice(kernel),
      ...selectionSlice(kernel),
      ...clipboardSlice(kernel),
      ...layoutSlice(kernel),
      ...validationContextSlice(kernel),
    };
  });
}
