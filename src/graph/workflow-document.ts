import { z } from "zod";
import {
  builtinToolNames,
  httpInputLocations,
  mcpLimits,
  mcpTransports,
  toolInputSchema,
  toolOutputTypes,
} from "./agent-spec";
import { databaseInt } from "./bounds";
import { MAX_FINAL_ANSWER_CHECKS } from "./final-answer-checks";
import { promptTemplatesDraftSchema } from "./prompt-templates";

/**
 * The workflow document: what the canvas edits, tRPC stores, files import/export
 * and `compile` turns into an agent spec. Node `data` is plain JSON, exactly what this schema
 * accepts (no functions), so saving is serialising and undo is a snapshot.
 *
 * The schema is deliberately lenient about what a user types (names, URLs, secret names, model
 * ids are plain strings here): a draft half-way through an edit must still be storable. The
 * strict rules live in `validate` and, finally, in `agentSpecSchema` at `compile` time.
 */

export const CURRENT_WORKFLOW_VERSION = 1;

const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });
const nodeIdSchema = z.string().min(1).max(100);
/** A name the user types; `validate` checks it is a Python identifier. */
const draftNameSchema = z.string().max(100);
/** A secret name the user types; `validate` checks its format and that the team has it. */
const draftSecretSchema = z.string().max(128);
const headersSchema = z.record(z.string().max(200), z.string().max(4000));

export const agentTypes = ["code", "toolCalling"] as const;
export type AgentType = (typeof agentTypes)[number];

/** A final-answer check as the canvas edits it (a draft: `validate` says what is wrong with it). */
export const finalAnswerCheckDataSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("python"),
    name: draftNameSchema,
    /** `def name(answer, memory) -> bool`, run in a sandbox. */
    source: z.string().max(100_000).default(""),
  }),
  z.object({
    kind: z.literal("jsonSchema"),
    name: draftNameSchema,
    schema: z.record(z.string(), z.unknown()).default({}),
  }),
]);
export type FinalAnswerCheckData = z.infer<typeof finalAnswerCheckDataSchema>;

export const agentNodeDataSchema = z.object({
  agentType: z.enum(agentTypes),
  name: draftNameSchema,
  /** Shown to a manager agent that can call this one. */
  description: z.string().max(4000).default(""),
  instructions: z.string().max(100_000).default(""),
  maxSteps: z.number().int().min(1).max(200).default(20),
  planningInterval: z.number().int().min(1).max(100).optional(),
  addBaseTools: z.boolean().default(false),
  /** CodeAgent only: Python modules the agent may import besides the safe defaults. */
  additionalAuthorizedImports: z.array(z.string().min(1).max(200)).max(200).default([]),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Checks every final answer must pass (smolagents' final_answer_checks). */
  finalAnswerChecks: z.array(finalAnswerCheckDataSchema).max(MAX_FINAL_ANSWER_CHECKS).optional(),
  /** Overrides of the engine's prompt templates (smolagents' `prompt_templates`); unset ones are the defaults. */
  promptTemplates: promptTemplatesDraftSchema.optional(),
  /**
   * Set on an agent from the team library, pinned to one version: it runs the shared spec (model,
   * tools and managed agents included), so it has no edges of its own and its other fields only
   * mirror the spec for display.
   */
  library: z.object({ itemId: z.string().min(1).max(100), version: z.number().int().min(1) }).optional(),
});
export type AgentNodeData = z.infer<typeof agentNodeDataSchema>;

const modelCommon = {
  model: z.string().max(200),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
};

export const modelNodeDataSchema = z.discriminatedUnion("provider", [
  z.object({
    provider: z.literal("openai"),
    ...modelCommon,
    /** Any OpenAI-compatible base URL; empty means OpenAI itself. */
    baseUrl: z.string().max(2000).optional(),
    apiKeySecret: draftSecretSchema.optional(),
    headers: headersSchema.optional(),
  }),
  z.object({
    provider: z.literal("hf"),
    ...modelCommon,
    hfProvider: z.string().max(100).optional(),
    endpointUrl: z.string().max(2000).optional(),
    apiKeySecret: draftSecretSchema.optional(),
  }),
  z.object({
    provider: z.literal("replay"),
    model: z.string().max(200).default("replay"),
    transcript: z
      .array(
        z.union([
          z.string(),
          z.object({
            content: z.string().optional(),
            tool_calls: z
              .array(z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) }))
              .optional(),
          }),
        ]),
      )
      .default([]),
    /** Pause before each answer (ms), so a replayed run unfolds at a watchable pace. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
  }),
]);
export type ModelNodeData = z.infer<typeof modelNodeDataSchema>;

export const toolNodeDataSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("builtin"),
    name: z.enum(builtinToolNames),
    config: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    kind: z.literal("python"),
    name: draftNameSchema,
    description: z.string().max(4000).default(""),
    /** A Python function named `name`, with type hints and a docstring; runs in the sandbox. */
    source: z.string().max(100_000).default(""),
  }),
  z.object({
    kind: z.literal("http"),
    name: draftNameSchema,
    description: z.string().max(4000).default(""),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
    url: z.string().max(2000).default(""),
    headers: headersSchema.optional(),
    /** Header name → secret name, resolved at run time. */
    secretHeaders: z.record(z.string().max(200), draftSecretSchema).optional(),
    inputs: z.record(z.string().max(100), toolInputSchema).default({}),
    /** Where each input goes in the request (input name → placement); see the agent spec. */
    params: z
      .record(
        z.string().max(100),
        z.object({ in: z.enum(httpInputLocations), name: z.string().max(200).optional() }),
      )
      .optional(),
    /** The credential the tool sends from a secret (bearer, basic, or an API key in a header or query). */
    auth: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("bearer"), secret: draftSecretSchema }),
        z.object({ type: z.literal("basic"), secret: draftSecretSchema }),
        z.object({
          type: z.literal("apiKey"),
          in: z.enum(["header", "query"]),
          name: z.string().max(200),
          secret: draftSecretSchema,
        }),
      ])
      .optional(),
    outputType: z.enum(toolOutputTypes).default("string"),
  }),
  /** A shared tool from the team library, pinned to a version. */
  z.object({
    kind: z.literal("library"),
    itemId: z.string().min(1).max(100),
    version: databaseInt(1),
    name: draftNameSchema,
  }),
]);
export type ToolNodeData = z.infer<typeof toolNodeDataSchema>;

/** A tool an MCP server offered when the canvas last asked it (name and description, for the inspector). */
export const discoveredMcpToolSchema = z.object({
  name: z.string().max(200),
  description: z.string().max(4000).default(""),
});
export type DiscoveredMcpTool = z.infer<typeof discoveredMcpToolSchema>;

export const mcpNodeDataSchema = z.object({
  name: draftNameSchema,
  /** http: Streamable HTTP (legacy SSE as fallback); sse: legacy SSE; stdio: a command on the worker. */
  transport: z.enum(mcpTransports).default("http"),
  url: z.string().max(2000).default(""),
  /** Header name → secret name, resolved at run time (http, sse). */
  secretHeaders: z.record(z.string().max(200), draftSecretSchema).optional(),
  /** stdio: a program on the operator's allow-list (MCP_STDIO_COMMANDS); only admins set it. */
  command: z.string().max(500).default(""),
  /** stdio: the program's arguments, one per line (never a shell string). */
  args: z.array(z.string().max(4000)).max(mcpLimits.maxArgs).default([]),
  /** stdio: environment variable → secret name; the program gets only these and PATH. */
  envSecrets: z.record(z.string().max(128), draftSecretSchema).optional(),
  /** The server's tools the agent gets, by their MCP names. */
  tools: z.array(z.string().max(200)).max(mcpLimits.maxTools).optional(),
  /** What the server offered when its tools were last refreshed. */
  discoveredTools: z.array(discoveredMcpToolSchema).max(mcpLimits.maxTools).optional(),
  /** Time for connecting and for each tool call (60 s when empty). */
  timeoutSeconds: z.number().positive().max(mcpLimits.maxTimeoutSeconds).optional(),
});
export type McpNodeData = z.infer<typeof mcpNodeDataSchema>;

export const sandboxNodeDataSchema = z.object({
  kind: z.enum(["pyodide", "docker", "local"]).default("pyodide"),
  timeoutSeconds: z.number().positive().max(3600).optional(),
  memoryMb: z.number().int().positive().max(65_536).optional(),
  cpus: z.number().positive().max(64).optional(),
  image: z.string().max(500).optional(),
});
export type SandboxNodeData = z.infer<typeof sandboxNodeDataSchema>;

const node = <K extends string, D extends z.ZodType>(type: K, data: D) =>
  z.object({ id: nodeIdSchema, type: z.literal(type), position: positionSchema, data });

export const agentNodeSchema = node("agent", agentNodeDataSchema);
export const modelNodeSchema = node("model", modelNodeDataSchema);
export const toolNodeSchema = node("tool", toolNodeDataSchema);
export const mcpNodeSchema = node("mcp", mcpNodeDataSchema);
export const sandboxNodeSchema = node("sandbox", sandboxNodeDataSchema);

export const workflowNodeSchema = z.discriminatedUnion("type", [
  agentNodeSchema,
  modelNodeSchema,
  toolNodeSchema,
  mcpNodeSchema,
  sandboxNodeSchema,
]);
export type WorkflowNode = z.infer<typeof workflowNodeSchema>;
export type WorkflowNodeType = WorkflowNode["type"];
export type AgentNode = z.infer<typeof agentNodeSchema>;
export type ModelNode = z.infer<typeof modelNodeSchema>;
export type ToolNode = z.infer<typeof toolNodeSchema>;
export type McpNode = z.infer<typeof mcpNodeSchema>;
export type SandboxNode = z.infer<typeof sandboxNodeSchema>;
/** The node kinds, in palette order. */
export const nodeTypes = [
  "agent",
  "model",
  "tool",
  "mcp",
  "sandbox",
] as const satisfies readonly WorkflowNodeType[];

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

export const viewportSchema = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  zoom: z.number().positive().max(100),
});
export type Viewport = z.infer<typeof viewportSchema>;

/** Size caps shared by the schema, import and the server. */
export const workflowLimits = {
  maxNodes: 5000,
  maxEdges: 20_000,
  maxFileBytes: 5 * 1024 * 1024,
  maxDepth: 64,
};

export const workflowDocumentSchema = z.object({
  version: z.literal(CURRENT_WORKFLOW_VERSION),
  nodes: z.array(workflowNodeSchema).max(workflowLimits.maxNodes),
  edges: z.array(workflowEdgeSchema).max(workflowLimits.maxEdges),
  viewport: viewportSchema,
});
export type WorkflowDocument = z.infer<typeof workflowDocumentSchema>;

/** A blank canvas. */
export function createEmptyWorkflow(): WorkflowDocument {
  return { version: CURRENT_WORKFLOW_VERSION, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };
}
