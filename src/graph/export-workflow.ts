import type { WorkflowFile } from "./import";
import type { WorkflowDocument, WorkflowNode } from "./workflow-document";

/** Header names whose literal values look like credentials; export blanks them. */
const sensitiveHeader = /authorization|cookie|token|secret|api[-_]?key|password|auth/i;

/**
 * The JSON of "Export": the document with any literal credential-looking header values
 * replaced by an empty string. Secret references (names) stay; secret values never reach the
 * document in the first place.
 */
export function exportWorkflow(
  document: WorkflowDocument,
  meta: { name: string; description?: string; exportedAt?: Date },
): WorkflowFile {
  return {
    format: "troupe.workflow",
    name: meta.name,
    description: meta.description ?? "",
    exportedAt: (meta.exportedAt ?? new Date()).toISOString(),
    document: { ...document, nodes: document.nodes.map(redactNode) },
  };
}

function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers) return headers;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, sensitiveHeader.test(k) ? "" : v]));
}

function redactNode(node: WorkflowNode): WorkflowNode {
  if (node.type === "model" && node.data.provider === "openai" && node.data.headers) {
    return { ...node, data: { ...node.data, headers: redactHeaders(node.data.headers) } };
  }
  if (node.type === "tool" && node.data.kind === "http" && node.data.headers) {
    return { ...node, data: { ...node.data, headers: redactHeaders(node.data.headers) } };
  }
  return node;
}
