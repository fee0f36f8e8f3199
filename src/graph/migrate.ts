import type { GraphIssue } from "./graph-issue";
import { edgeKindByTargetType } from "./handles";
import { schemaIssues } from "./validate";
import { CURRENT_WORKFLOW_VERSION, type WorkflowDocument, workflowDocumentSchema } from "./workflow-document";

/** Why a stored or uploaded document could not be brought to the current version. */
export type MigrateFailure =
  | "not-an-object"
  | "unknown-version"
  | "future-version"
  | "migration-failed"
  | "invalid";

export type MigrateResult =
  | { ok: true; document: WorkflowDocument; fromVersion: number; migrated: boolean }
  | { ok: false; reason: MigrateFailure; fromVersion?: number; message: string; issues: GraphIssue[] };

type JsonObject = Record<string, unknown>;

/** One step forward: takes a document of `from` and returns one of `from + 1`. */
interface Migration {
  from: number;
  describe: string;
  up(doc: JsonObject): JsonObject;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Version 0 is the pre-release canvas format: React Flow's own `{ nodes, edges }` with no
 * `version` and no `viewport`, edges without a kind, and agent nodes carrying
 * `data.type: "CodeAgent" | "ToolCallingAgent"` (smolagents' class names) instead of `agentType`.
 * Edge kinds are recovered from the target's node type, the rule `canConnect` still uses.
 */
const v0ToV1: Migration = {
  from: 0,
  describe: "add version and viewport; name edge kinds; agent data.type → data.agentType",
  up(doc) {
    if (!Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) return { ...doc, version: 1 };
    const nodes: unknown[] = doc.nodes;
    const typeById = new Map<string, string>();
    const migratedNodes = nodes.map((raw) => {
      if (!isObject(raw)) return raw;
      if (typeof raw.id === "string" && typeof raw.type === "string") typeById.set(raw.id, raw.type);
      if (raw.type !== "agent" || !isObject(raw.data)) return raw;
      const { type: legacyType, ...rest } = raw.data;
      const agentType =
        rest.agentType ??
        (legacyType === "ToolCallingAgent" || legacyType === "toolCalling" ? "toolCalling" : "code");
      return { ...raw, data: { ...rest, agentType } };
    });
    const edges: unknown[] = doc.edges;
    const migratedEdges = edges.map((raw) => {
      if (!isObject(raw) || typeof raw.type === "string") return raw;
      const targetType = typeById.get(String(raw.target));
      const kind =
        targetType && targetType in edgeKindByTargetType
          ? edgeKindByTargetType[targetType as keyof typeof edgeKindByTargetType]
          : undefined;
      return kind ? { ...raw, type: kind } : raw;
    });
    return {
      ...doc,
      version: 1,
      nodes: migratedNodes,
      edges: migratedEdges,
      viewport: isObject(doc.viewport) ? doc.viewport : { x: 0, y: 0, zoom: 1 },
    };
  },
};

/**
 * Renames inside the current version, applied to every document before it is parsed: fields that
 * were renamed without changing what a document means, so no version step is needed.
 * - MCP nodes: `include` (the tools the agent gets; all when absent) became `tools` (chosen on the
 *   canvas from the tools the server lists). An old node keeps its list.
 */
function renameLegacyFields(doc: JsonObject): JsonObject {
  if (!Array.isArray(doc.nodes)) return doc;
  const nodes: unknown[] = doc.nodes;
  const legacy = (raw: unknown): raw is JsonObject & { data: JsonObject } =>
    isObject(raw) && raw.type === "mcp" && isObject(raw.data) && "include" in raw.data;
  if (!nodes.some(legacy)) return doc;
  return {
    ...doc,
    nodes: nodes.map((raw) => {
      if (!legacy(raw)) return raw;
      const { include, ...data } = raw.data;
      return { ...raw, data: { ...data, tools: data.tools ?? include } };
    }),
  };
}

/** Every migration, ordered by `from`; the last one ends at `CURRENT_WORKFLOW_VERSION`. */
export const migrations: readonly Migration[] = [v0ToV1];

/** The version a raw document declares; a missing `version` means 0 (the pre-release format). */
export function detectVersion(doc: JsonObject): number | undefined {
  if (doc.version === undefined) return 0;
  return typeof doc.version === "number" && Number.isInteger(doc.version) && doc.version >= 0
    ? doc.version
    : undefined;
}

/**
 * Bring any stored or uploaded document to the current version and parse it. Never throws:
 * a document that cannot be migrated comes back as a typed failure with a reason.
 */
export function migrate(input: unknown): MigrateResult {
  if (!isObject(input)) {
    return fail("not-an-object", "A workflow document must be a JSON object");
  }
  const fromVersion = detectVersion(input);
  if (fromVersion === undefined) {
    return fail("unknown-version", "The document's version must be a whole number");
  }
  if (fromVersion > CURRENT_WORKFLOW_VERSION) {
    return fail(
      "future-version",
      `This document is version ${fromVersion}, newer than this Troupe understands (${CURRENT_WORKFLOW_VERSION})`,
      fromVersion,
    );
  }
  let doc = input;
  for (let v = fromVersion; v < CURRENT_WORKFLOW_VERSION; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) return fail("unknown-version", `No migration from version ${v}`, fromVersion);
    try {
      doc = step.up(doc);
    } catch (error) {
      return fail(
        "migration-failed",
        `Migrating from version ${v} failed: ${error instanceof Error ? error.message : String(error)}`,
        fromVersion,
      );
    }
  }
  let renamed = doc;
  try {
    renamed = renameLegacyFields(doc);
  } catch (error) {
    return fail(
      "migration-failed",
      `Renaming old fields failed: ${error instanceof Error ? error.message : String(error)}`,
      fromVersion,
    );
  }
  const parsed = workflowDocumentSchema.safeParse(renamed);
  if (!parsed.success) {
    return {
      ok: false,
      reason: "invalid",
      fromVersion,
      message: "The document does not match the workflow schema",
      issues: schemaIssues(parsed.error),
    };
  }
  return {
    ok: true,
    document: parsed.data,
    fromVersion,
    migrated: fromVersion !== CURRENT_WORKFLOW_VERSION || renamed !== doc,
  };
}

function fail(reason: MigrateFailure, message: string, fromVersion?: number): MigrateResult {
  return {
    ok: false,
    reason,
    fromVersion,
    message,
    issues: [{ code: "schema", severity: "structural", path: ["version"], message }],
  };
}
