import { compile } from "../compile";
import { agentSubgraph } from "../library";
import type { ValidateOptions } from "../validate";
import type { WorkflowDocument } from "../workflow-document";
import { exportSmolagentsFolder, type SmolagentsFolder, zipSmolagentsFolder } from "./export";

export * from "./export";
export * from "./import";
export { fromJinja, toJinja } from "./jinja";
export * from "./tool-file";

export type WorkflowAgentExport =
  | ({ ok: true; name: string; zip: Uint8Array } & SmolagentsFolder)
  | { ok: false; message: string };

/**
 * Export one agent of a workflow (with what it reaches: model, tools, managed agents) as a zipped
 * smolagents saved-agent folder. The agent's sub-graph must compile; the first problem is the message.
 */
export function exportWorkflowAgent(
  document: WorkflowDocument,
  agentNodeId: string,
  options: ValidateOptions = {},
): WorkflowAgentExport {
  const node = document.nodes.find((n) => n.id === agentNodeId);
  if (node?.type !== "agent") return { ok: false, message: "Select an agent to export" };
  const compiled = compile(
    { ...document, ...agentSubgraph(document, agentNodeId) },
    options.catalog,
    options,
  );
  if (!compiled.ok) {
    return {
      ok: false,
      message: `"${node.data.name}" does not compile yet: ${compiled.issues[0]?.message ?? "unknown problem"}`,
    };
  }
  const folder = exportSmolagentsFolder(compiled.spec);
  return {
    ok: true,
    name: compiled.spec.name,
    ...folder,
    zip: zipSmolagentsFolder(folder, compiled.spec.name),
  };
}
