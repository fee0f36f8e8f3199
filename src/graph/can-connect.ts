import {
  edgeKindByTargetType,
  edgeKindOfSourceHandle,
  sourceHandleByKind,
  targetHandleByKind,
} from "./handles";
import type { EdgeKind, WorkflowEdge, WorkflowNode } from "./workflow-document";

/** The parts of a graph `canConnect` reads; canvas state and stored documents both fit. */
export interface ConnectGraph {
  nodes: readonly Pick<WorkflowNode, "id" | "type" | "data">[];
  edges: readonly Pick<WorkflowEdge, "id" | "type" | "source" | "target">[];
}

/** A connection being drawn (React Flow's `Connection`) or an edge being checked. */
export interface ConnectionCandidate {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/** Why a connection is refused; `validate` maps each to a severity. */
export type ConnectRefusal =
  | "unknown-node"
  | "self-loop"
  | "source-not-agent"
  | "wrong-handle"
  | "duplicate-edge"
  | "model-taken"
  | "sandbox-taken"
  | "sandbox-needs-code-agent"
  | "manager-taken"
  | "manages-cycle"
  | "library-agent-closed";

export type ConnectResult =
  | { ok: true; kind: EdgeKind }
  | { ok: false; code: ConnectRefusal; reason: string };

const refuse = (code: ConnectRefusal, reason: string): ConnectResult => ({ ok: false, code, reason });

/**
 * The one connection rule, used by the canvas (`isValidConnection`) and by the server validator.
 * The edge kind follows from the target's node type; handles, when given, must be that kind's.
 * `ignoreEdgeId` lets an existing edge be checked against the rest of the graph.
 */
export function canConnect(
  graph: ConnectGraph,
  candidate: ConnectionCandidate,
  options: { ignoreEdgeId?: string } = {},
): ConnectResult {
  const source = graph.nodes.find((n) => n.id === candidate.source);
  const target = graph.nodes.find((n) => n.id === candidate.target);
  if (!source || !target)
    return refuse("unknown-node", "The connection points at a node that does not exist");
  if (source.id === target.id) return refuse("self-loop", "A node cannot connect to itself");
  if (source.type !== "agent") return refuse("source-not-agent", "Connections start at an agent");
  if ((source.data as { library?: unknown }).library) {
    return refuse(
      "library-agent-closed",
      "An agent from the team library runs as shared: fork it to change its model, tools or managed agents",
    );
  }
  const kind = edgeKindByTargetType[target.type];
  if (candidate.sourceHandle) {
    const handleKind = edgeKindOfSourceHandle(candidate.sourceHandle);
    if (handleKind !== kind) {
      return refuse(
        "wrong-handle",
        `The "${candidate.sourceHandle}" port cannot connect to a ${target.type}; use the "${sourceHandleByKind[kind]}" port`,
      );
    }
  }
  if (candidate.targetHandle && candidate.targetHandle !== targetHandleByKind[kind]) {
    return refuse(
      "wrong-handle",
      `A ${kind} connection enters through the "${targetHandleByKind[kind]}" port`,
    );
  }
  const others = graph.edges.filter((e) => e.id !== options.ignoreEdgeId);
  if (others.some((e) => e.source === source.id && e.target === target.id)) {
    return refuse("duplicate-edge", "These two nodes are already connected");
  }
  switch (kind) {
    case "uses-model":
      if (others.some((e) => e.type === "uses-model" && e.source === source.id)) {
        return refuse("model-taken", "This agent already has a model; remove that connection first");
      }
      break;
    case "runs-in":
      if (source.type === "agent" && (source.data as { agentType?: string }).agentType !== "code") {
        return refuse("sandbox-needs-code-agent", "Only a CodeAgent runs code in a sandbox");
      }
      if (others.some((e) => e.type === "runs-in" && e.source === source.id)) {
        return refuse("sandbox-taken", "This agent already has a sandbox; remove that connection first");
      }
      break;
    case "manages":
      if (others.some((e) => e.type === "manages" && e.target === target.id)) {
        return refuse("manager-taken", "That agent already has a manager");
      }
      if (reachesByManages(others, target.id, source.id)) {
        return refuse(
          "manages-cycle",
          "This would make a cycle: an agent cannot (indirectly) manage its manager",
        );
      }
      break;
    case "uses-tool":
      break;
  }
  return { ok: true, kind };
}

function reachesByManages(edges: ConnectGraph["edges"], from: string, to: string): boolean {
  const children = new Map<string, string[]>();
  for (const e of edges) {
    if (e.type !== "manages") continue;
    const list = children.get(e.source);
    if (list) list.push(e.target);
    else children.set(e.source, [e.target]);
  }
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (at === to) return true;
    for (const next of children.get(at) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}
