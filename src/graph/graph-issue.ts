/**
 * One problem found in a workflow document.
 * - `structural`: the document is not a graph the canvas could have drawn (bad schema, dangling
 *   or impossible edges, a `manages` cycle). The server refuses to store it.
 * - `error`: a draft that is storable but cannot run yet (agent without a model, bad name, ...).
 *   Stored and shown; `compile` refuses it.
 * - `warning`: worth a look but runnable (a tool not attached to any agent).
 */
export type IssueSeverity = "structural" | "error" | "warning";

export type IssueCode =
  | "schema"
  | "duplicate-node-id"
  | "duplicate-edge-id"
  | "edge-kind-mismatch"
  | "invalid-connection"
  | "manages-cycle"
  | "no-agent"
  | "multiple-roots"
  | "agent-without-model"
  | "sandbox-needs-code-agent"
  | "local-sandbox-not-allowed"
  | "sandbox-over-limit"
  | "not-attached"
  | "invalid-name"
  | "duplicate-name"
  | "unknown-tool"
  | "unknown-agent"
  | "invalid-secret-name"
  | "missing-secret"
  | "secret-not-allowed"
  | "invalid-url"
  | "missing-field"
  | "python-function-missing"
  | "invalid-json-schema"
  | "invalid-prompt-template"
  | "mcp-command-not-allowed"
  | "mcp-no-tools";

export interface GraphIssue {
  code: IssueCode;
  severity: IssueSeverity;
  nodeId?: string;
  edgeId?: string;
  /** Where in the document: e.g. ["nodes", 3, "data", "name"]. */
  path: (string | number)[];
  message: string;
}

/** True when the issue list blocks storing the document. */
export function hasStructuralIssues(issues: readonly GraphIssue[]): boolean {
  return issues.some((i) => i.severity === "structural");
}

/** True when the issue list blocks compiling and running the document. */
export function hasBlockingIssues(issues: readonly GraphIssue[]): boolean {
  return issues.some((i) => i.severity !== "warning");
}
