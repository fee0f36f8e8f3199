import type { GraphIssue } from "./graph-issue";
import { migrate } from "./migrate";
import { type ValidateOptions, validateDocument } from "./validate";
import { edgeKinds, nodeTypes, type WorkflowDocument, workflowLimits } from "./workflow-document";

/** The file format of "Export JSON": the document plus what a person needs to recognise it. */
export interface WorkflowFile {
  format: "troupe.workflow";
  name: string;
  description: string;
  exportedAt: string;
  document: WorkflowDocument;
}

export type ImportResult =
  | {
      ok: true;
      document: WorkflowDocument;
      name?: string;
      description?: string;
      /** Set when the file was an older version and has been migrated. */
      migratedFrom?: number;
      /** Non-structural issues (drafts may be incomplete): shown, not blocking. */
      issues: GraphIssue[];
    }
  | { ok: false; message: string; issues: GraphIssue[] };

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

const failure = (message: string, path: (string | number)[] = []): ImportResult => ({
  ok: false,
  message,
  issues: [{ code: "schema", severity: "structural", path, message }],
});

/**
 * Parse an uploaded workflow file. Hostile input (over 5 MB, nesting deeper than 64,
 * prototype-pollution keys, unknown node or edge kinds, malformed JSON) is refused with a clear
 * message before anything reaches the canvas or the database. Never throws.
 */
export function parseWorkflowFile(text: string, options: ValidateOptions = {}): ImportResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > workflowLimits.maxFileBytes) {
    return failure(`The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; the limit is 5 MB`);
  }
  const depth = maxJsonDepth(text);
  if (depth > workflowLimits.maxDepth) {
    return failure(`The file nests deeper than ${workflowLimits.maxDepth} levels; a workflow never does`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return failure(`The file is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const forbidden = findForbiddenKey(raw);
  if (forbidden) {
    return failure(
      `The file contains the forbidden key "${forbidden.key}" at ${forbidden.path.join(".") || "top level"}`,
      forbidden.path,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return failure("A workflow file must contain a JSON object");
  }
  const envelope = raw as Record<string, unknown>;
  const isFile = envelope.format === "troupe.workflow";
  const body = isFile ? envelope.document : raw;
  const kinds = checkKinds(body, isFile ? ["document"] : []);
  if (kinds) return failure(kinds.message, kinds.path);

  const migrated = migrate(body);
  if (!migrated.ok) return { ok: false, message: migrated.message, issues: migrated.issues };
  const checked = validateDocument(migrated.document, options);
  if (!checked.ok) {
    const first = checked.issues[0];
    return {
      ok: false,
      message: first ? first.message : "The workflow is not valid",
      issues: checked.issues,
    };
  }
  return {
    ok: true,
    document: checked.document,
    ...(isFile && typeof envelope.name === "string" ? { name: envelope.name.slice(0, 200) } : {}),
    ...(isFile && typeof envelope.description === "string"
      ? { description: envelope.description.slice(0, 4000) }
      : {}),
    ...(migrated.migrated ? { migratedFrom: migrated.fromVersion } : {}),
    issues: checked.issues,
  };
}

/** Deepest nesting of objects and arrays in JSON text, found without parsing it. */
export function maxJsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function findForbiddenKey(value: unknown): { key: string; path: (string | number)[] } | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (typeof at.value !== "object" || at.value === null) continue;
    if (Array.isArray(at.value)) {
      for (const [i, v] of at.value.entries()) stack.push({ value: v, path: [...at.path, i] });
      continue;
    }
    for (const key of Object.keys(at.value)) {
      if (forbiddenKeys.has(key)) return { key, path: [...at.path, key] };
      stack.push({ value: (at.value as Record<string, unknown>)[key], path: [...at.path, key] });
    }
  }
  return undefined;
}

function checkKinds(
  body: unknown,
  prefix: (string | number)[],
): { message: string; path: (string | number)[] } | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { nodes, edges } = body as { nodes?: unknown; edges?: unknown };
  if (Array.isArray(nodes)) {
    for (const [i, n] of nodes.entries()) {
      const type = (n as { type?: unknown } | null)?.type;
      if (!(nodeTypes as readonly unknown[]).includes(type)) {
        return {
          message: `Unknown node kind ${JSON.stringify(type)} at nodes[${i}]; expected one of ${nodeTypes.join(", ")}`,
          path: [...prefix, "nodes", i, "type"],
        };
      }
    }
  }
  if (Array.isArray(edges)) {
    for (const [i, e] of edges.entries()) {
      const type = (e as { type?: unknown } | null)?.type;
      if (type !== undefined && !(edgeKinds as readonly unknown[]).includes(type)) {
        return {
          message: `Unknown edge kind ${JSON.stringify(type)} at edges[${i}]; expected one of ${edgeKinds.join(", ")}`,
          path: [...prefix, "edges", i, "type"],
        };
      }
    }
  }
  return undefined;
}
