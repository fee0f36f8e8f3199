import { z } from "zod";
import { httpToolSpecSchema, pythonToolSpecSchema, type ToolSpec } from "./agent-spec";
import { toolDataSpec } from "./compile";
import { toolProblems } from "./validate";
import { type ToolNodeData, toolNodeDataSchema } from "./workflow-document";

/**
 * The team library's side of the graph: which tools can be shared, and the tool spec a shared
 * version stores. Pure and browser-safe: the canvas checks a tool before offering "Share", the
 * server checks it again before writing.
 */

/** The tool kinds a team can share: the ones whose whole definition is their node's data. */
export const shareableToolKinds = ["python", "http"] as const;
export type ShareableToolKind = (typeof shareableToolKinds)[number];

/** A python or http tool node's data. */
export type ShareableToolData = Extract<ToolNodeData, { kind: ShareableToolKind }>;

/** What one library version stores: the engine's spec of a python or http tool (secrets by name). */
export const libraryToolSpecSchema = z.discriminatedUnion("kind", [pythonToolSpecSchema, httpToolSpecSchema]);
export type LibraryToolSpec = z.infer<typeof libraryToolSpecSchema>;

export type ShareableToolResult = { ok: true; tool: LibraryToolSpec } | { ok: false; message: string };

const fieldLabels: Record<string, string> = {
  name: "The tool name",
  description: "The description",
  source: "The Python source",
  url: "The URL",
};

function schemaMessage(issue: z.core.$ZodIssue): string {
  const field = issue.path.filter((p) => typeof p !== "symbol").join(".");
  if (issue.code === "too_big" && issue.origin === "string") {
    const label = fieldLabels[field] ?? (field ? `"${field}"` : "The value");
    return `${label} is over ${Number(issue.maximum).toLocaleString("en-US")} characters`;
  }
  return field ? `${field}: ${issue.message}` : issue.message;
}

/**
 * Check untrusted input as a python or http tool node's data and turn it into the tool spec the
 * library stores — the spec `compile` would produce for that node, so a library node runs exactly
 * what was shared. `ok: false` carries one precise message (the first problem).
 */
export function shareableTool(input: unknown): ShareableToolResult {
  const kind = typeof input === "object" && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (kind === "library") {
    return { ok: false, message: "This tool is already from the team library: share the original instead" };
  }
  if (kind === "builtin") {
    return {
      ok: false,
      message: "Builtin tools come with every workflow: only python and HTTP tools are shared",
    };
  }
  if (kind !== "python" && kind !== "http") {
    return {
      ok: false,
      message: `Only python and HTTP tools can be shared${typeof kind === "string" ? ` (not "${kind.slice(0, 40)}")` : ""}`,
    };
  }
  const parsed = toolNodeDataSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: schemaMessage(parsed.error.issues[0]!) };
  const problem = toolProblems(parsed.data)[0];
  if (problem) return { ok: false, message: problem.message };
  const spec = libraryToolSpecSchema.safeParse(toolDataSpec(parsed.data));
  if (!spec.success) return { ok: false, message: schemaMessage(spec.error.issues[0]!) };
  return { ok: true, tool: spec.data };
}

/** The secret names a tool reads at run time (never values: a spec holds none). */
export function toolSecretNames(tool: ToolSpec): string[] {
  if (tool.kind !== "http" && tool.kind !== "mcp") return [];
  return [...new Set(Object.values(tool.secretHeaders ?? {}))].sort();
}

/** One line saying what a library tool is: its Python signature, or its HTTP request. */
export function toolSignature(tool: LibraryToolSpec): string {
  if (tool.kind === "http") return `${tool.method} ${tool.url}`;
  return /^\s*((?:async\s+)?def\s+[^\n]*)/m.exec(tool.source)?.[1]?.trim() ?? tool.name;
}
