import type { StoreApi } from "zustand/vanilla";
import { createEmptyWorkflow, type GraphIssue, validate, type WorkflowNode } from "~/graph";
import {
  type CanvasEdge,
  type CanvasNode,
  type GraphSnapshot,
  toCanvasEdge,
  toCanvasNode,
  toWorkflowEdge,
  toWorkflowNode,
} from "../canvas-types";
import type { CanvasState } from "./state";

/** How many undo steps are kept. */
export const historyLimit = 100;
/** Edits to one node's field within this window merge into one undo step (typing). */
export const coalesceMs = 1000;

/**
 * What every slice of the canvas store shares: zustand's `set`/`get`, the id factory and clock, and
 * the one way a document change lands (`commit`: revalidated, one undo step).
 */
export interface StoreKernel {
  set: StoreApi<CanvasState>["setState"];
  get: () => CanvasState;
  newId: (type: string) => string;
  now: () => number;
  /** Issues of the given graph against the current validation context. */
  revalidate(nodes: CanvasNode[], edges: CanvasEdge[]): Pick<CanvasState, "issues" | "issuesByNode">;
  /** Apply one document change as one undo step. `coalesceKey` merges rapid edits of one field. */
  commit(next: { nodes: CanvasNode[]; edges: CanvasEdge[] }, coalesceKey?: string): void;
  /** The canvas nodes and edges of a snapshot; nodes the canvas has keep their measured size. */
  restore(snapshot: GraphSnapshot): Pick<CanvasState, "nodes" | "edges" | "issues" | "issuesByNode">;
}

/** The graph part of the state as an undo snapshot. */
export function snapshotOf(state: Pick<CanvasState, "nodes" | "edges">): GraphSnapshot {
  return { nodes: state.nodes.map(toWorkflowNode), edges: state.edges.map(toWorkflowEdge) };
}

/** A node's user-given name, for the kinds that have one. */
export function nodeName(node: CanvasNode | WorkflowNode): string | undefined {
  return node.type === "sandbox" || node.type === "model" ? undefined : node.data.name;
}

/** Issues grouped per node, reusing the previous arrays where nothing changed. */
export function issuesPerNode(
  issues: GraphIssue[],
  previous: Record<string, GraphIssue[]>,
): Record<string, GraphIssue[]> {
  const next: Record<string, GraphIssue[]> = {};
  for (const issue of issues) {
    if (!issue.nodeId) continue;
    const list = next[issue.nodeId];
    if (list) list.push(issue);
    else next[issue.nodeId] = [issue];
  }
  for (const [id, list] of Object.entries(next)) {
    const old = previous[id];
    const same =
      old !== undefined &&
      old.length === list.length &&
      old.every((o, i) => o.message === list[i]!.message && o.severity === list[i]!.severity);
    if (same) next[id] = old;
  }
  return next;
}

/** Clears the selection flag of every selected node and edge (before adding a selected batch). */
export function deselected(state: Pick<CanvasState, "nodes" | "edges">): {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
} {
  return {
    nodes: state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
    edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
  };
}

/** Builds the kernel the slices share over zustand's `set` and `get`. */
export function createKernel(
  set: StoreKernel["set"],
  get: StoreKernel["get"],
  newId: StoreKernel["newId"],
  now: StoreKernel["now"],
): StoreKernel {
  const revalidate: StoreKernel["revalidate"] = (nodes, edges) => {
    const {
      knownSecrets,
      installationKeys,
      teamSecrets,
      allowLocalExecutor,
      mcpStdioCommands,
      catalog,
      issuesByNode,
    } = get();
    const doc = {
      ...createEmptyWorkflow(),
      nodes: nodes.map(toWorkflowNode),
      edges: edges.map(toWorkflowEdge),
    };
    const issues = validate(doc, {
      knownSecrets,
      installationKeys,
      teamSecrets,
      allowLocalExecutor,
      mcpStdioCommands,
      catalog,
    });
    return { issues, issuesByNode: issuesPerNode(issues, issuesByNode) };
  };

  const commit: StoreKernel["commit"] = (next, coalesceKey) => {
    const state = get();
    const at = now();
    const merge =
      coalesceKey !== undefined &&
      state.lastCommit?.key === coalesceKey &&
      at - state.lastCommit.at < coalesceMs;
    set({
      ...next,
      ...revalidate(next.nodes, next.edges),
      past: merge ? state.past : [...state.past, snapshotOf(state)].slice(-historyLimit),
      future: [],
      changeCount: state.changeCount + 1,
      lastCommit: coalesceKey ? { key: coalesceKey, at } : null,
    });
  };

  const restore: StoreKernel["restore"] = (snapshot) => {
    const current = new Map(get().nodes.map((n) => [n.id, n]));
    const nodes = snapshot.nodes.map((n) => toCanvasNode(n, false, current.get(n.id)));
    const edges = snapshot.edges.map((e) => toCanvasEdge(e));
    return { nodes, edges, ...revalidate(nodes, edges) };
  };

  return { set, get, newId, now, revalidate, commit, restore };
}
