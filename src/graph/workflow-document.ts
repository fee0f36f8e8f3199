import { z } from "zod";
import {
  builtinToolNames,
  executorSpecSchema,
  identifierSchema,
  modelSpecSchema,
  secretRefSchema,
  toolInputSchema,
  toolOutputTypes,
} from "./agent-spec";

/**
 * The workflow document (DESIGN.md §4): what the canvas edits, tRPC stores, files import/export
 * and `compile` turns into an agent spec. Node `data` is plain JSON, exactly what this schema
 * accepts (no functions), so saving is serialising and undo is a snapshot.
 */

export const CURRENT_WORKFLOW_VERSION = 1;

const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });
const nodeIdSchema = z.string().min(1).max(100);

export const agentNodeDataSchema = z.object({
  agentType: z.enum(["code", "toolCalling"]),
  name: identifierSchema,
  description: z.string().max(4000).default(""),
  instructions: z.string().max(100_000).default(""),
  maxSteps: z.number().int().min(1).max(200).default(20),
  planningInterval: z.number().int().min(1).max(100).optional(),
  addBaseTools: z.boolean().default(false),
  additionalAuthorizedImports: z.array(z.string().min(1)).default([]),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
});

export const modelNodeDataSchema = modelSpecSchema;

export const toolNodeDataSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("builtin"),
    name: z.enum(builtinToolNames),
    config: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    kind: z.literal("python"),
    name: identifierSchema,
    description: z.string().max(4000).default(""),
    source: z.string().max(100_000).default(""),
  }),
  z.object({
    kind: z.literal("http"),
    name: identifierSchema,
    description: z.string().max(4000).default(""),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
    url: z.string().max(2000).default(""),
    headers: z.record(z.string(), z.string()).optional(),
    secretHeaders: z.record(z.string(), secretRefSchema).optional(),
    inputs: z.record(identifierSchema, toolInputSchema).default({}),
    outputType: z.enum(toolOutputTypes).default("string"),
  }),
  /** A shared tool from the team library, pinned to a version. */
  z.object({
    kind: z.literal("library"),
    itemId: z.string().min(1),
    version: z.number().int().min(1),
    name: identifierSchema,
  }),
]);

export const mcpNodeDataSchema = z.object({
  name: identifierSchema,
  url: z.string().max(2000).default(""),
  secretHeaders: z.record(z.string(), secretRefSchema).optional(),
  include: z.array(z.string()).optional(),
});

export const sandboxNodeDataSchema = executorSpecSchema;

const node = <K extends string, D extends z.ZodType>(type: K, data: D) =>
  z.object({ id: nodeIdSchema, type: z.literal(type), position: positionSchema, data });

export const workflowNodeSchema = z.discriminatedUnion("type", [
  node("agent", agentNodeDataSchema),
  node("model", modelNodeDataSchema),
  node("tool", toolNodeDataSchema),
  node("mcp", mcpNodeDataSchema),
  node("sandbox", sandboxNodeDataSchema),
]);
export type WorkflowNode = z.infer<typeof workflowNodeSchema>;
export type WorkflowNodeType = WorkflowNode["type"];

/**
 * Edge kinds, all drawn from an agent: manager → managed agent, agent → tool or MCP server,
 * agent → model, agent → sandbox.
 */
export const edgeKinds = ["manages", "uses-tool", "uses-model", "runs-in"] as const;
export type EdgeKind = (typeof edgeKinds)[number];

export const workflowEdgeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(edgeKinds),
  source: nodeIdSchema,
  target: nodeIdSchema,
  sourceHandle: z.string().max(100).nullish(),
  targetHandle: z.string().max(100).nullish(),
});
export type WorkflowEdge = z.infer<typeof workflowEdgeSchema>;

export const workflowDocumentSchema = z.object({
  version: z.literal(CURRENT_WORKFLOW_VERSION),
  nodes: z.array(workflowNodeSchema).max(5000),
  edges: z.array(workflowEdgeSchema).max(20_000),
  viewport: z.object({ x: z.number().finite(), y: z.number().finite(), zoom: z.number().positive() }),
});
export type WorkflowDocument = z.infer<typeof workflowDocumentSchema>;

/** A blank canvas. */
export function createEmptyWorkflow(): WorkflowDocument {
  return { version: CURRENT_WORKFLOW_VERSION, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };
}
