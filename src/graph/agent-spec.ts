import { z } from "zod";
import {
  checkListProblems,
  jsonSchemaProblem,
  MAX_FINAL_ANSWER_CHECKS,
  pythonCheckSourceProblem,
} from "./final-answer-checks";
import { promptTemplatesSchema } from "./prompt-templates";
import { strictObject } from "./strict-object";

/**
 * The agent spec: what `compile(graph)` produces and what the engine (`src/agents`) builds agents
 * from — also the JSON file format of `npm run agent`. It lives here, beneath both, so the canvas
 * compiler and the engine share one schema. Secrets are referenced by name, never inlined.
 */

/** A Python identifier: agent and tool names become Python function names. */
export const identifierSchema = z
  .string()
  .min(1, "Name is required")
  .max(64, "Name must be at most 64 characters")
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "Name must be a Python identifier (letters, digits, _; not starting with a digit)",
  );

/** Name of a team secret or environment variable holding a credential. */
export const secretRefSchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, "Secret names are UPPER_SNAKE_CASE")
  .max(128);

/** One recorded model answer: plain text, or text and/or tool calls. */
export const transcriptItemSchema = z.union([
  z.string(),
  strictObject({
    content: z.string().optional(),
    tool_calls: z
      .array(strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) }))
      .optional(),
  }),
]);
export type TranscriptItem = z.infer<typeof transcriptItemSchema>;

const modelCommon = {
  model: z.string().min(1, "Model id is required").max(200),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
};

export const modelSpecSchema = z.discriminatedUnion("provider", [
  strictObject({
    provider: z.literal("openai"),
    ...modelCommon,
    /** Any OpenAI-compatible base URL (OpenAI, Azure, Ollama, vLLM, Groq, Together, LiteLLM). */
    baseUrl: z.url().optional(),
    apiKeySecret: secretRefSchema.optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  strictObject({
    provider: z.literal("hf"),
    ...modelCommon,
    /** Hugging Face Inference provider routing ("auto", "together", "nebius", ...). */
    hfProvider: z.string().optional(),
    endpointUrl: z.url().optional(),
    apiKeySecret: secretRefSchema.optional(),
  }),
  strictObject({
    provider: z.literal("replay"),
    model: z.string().default("replay"),
    /** Recorded answers, played in order. */
    transcript: z.array(transcriptItemSchema),
    /** Pause before each answer (ms), so a replayed run unfolds at a watchable pace. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
  }),
]);
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const builtinToolNames = [
  "final_answer",
  "web_search",
  "visit_webpage",
  "python_interpreter",
  "user_input",
  "speech_to_text",
] as const;
export type BuiltinToolName = (typeof builtinToolNames)[number];

/** Value types of tool inputs and outputs, as smolagents names them. */
export const toolValueTypes = [
  "string",
  "integer",
  "number",
  "boolean",
  "object",
  "array",
  "image",
  "audio",
  "any",
  "null",
] as const;
export type ToolValueType = (typeof toolValueTypes)[number];

/** JSON Schema of one tool input, as smolagents declares them. */
export const toolInputSchema = strictObject({
  type: z.enum(toolValueTypes),
  description: z.string().default(""),
  nullable: z.boolean().optional(),
  enum: z.array(z.union([z.string(), z.number()])).optional(),
  /** More JSON Schema for the model (an object's properties, an array's items), e.g. from OpenAPI. */
  schema: z.record(z.string(), z.unknown()).optional(),
});
/** A tool's output may be any value type. */
export const toolOutputTypes = toolValueTypes;

/** A Python function tool: its whole definition is this spec. */
export const pythonToolSpecSchema = strictObject({
  kind: z.literal("python"),
  name: identifierSchema,
  description: z.string().max(4000).default(""),
  /** A Python function named `name`, with type hints and a docstring; runs in the sandbox. */
  source: z.string().min(1).max(100_000),
});

/**
 * Where an HTTP tool puts an input (OpenAPI's `in`): a `{placeholder}` of the URL's path, a query
 * parameter, a header, the whole JSON body, or one field of a JSON object body.
 */
export const httpInputLocations = ["path", "query", "header", "body", "bodyField"] as const;
export type HttpInputLocation = (typeof httpInputLocations)[number];

/** An input's place in the request and, when it differs from the input's name, its name there. */
export const httpInputPlacementSchema = strictObject({
  in: z.enum(httpInputLocations),
  name: z.string().min(1).max(200).optional(),
});
export type HttpInputPlacement = z.infer<typeof httpInputPlacementSchema>;

/**
 * The credential an HTTP tool sends, from a secret named here: a bearer token, basic credentials
 * (the secret holds `user:password`), or an API key in a header or query parameter. The secret is
 * sent only to the tool's own origin (and, for a team secret bound to a host, only there).
 */
export const httpAuthSchema = z.discriminatedUnion("type", [
  strictObject({ type: z.literal("bearer"), secret: secretRefSchema }),
  strictObject({ type: z.literal("basic"), secret: secretRefSchema }),
  strictObject({
    type: z.literal("apiKey"),
    in: z.enum(["header", "query"]),
    name: z.string().min(1).max(200),
    secret: secretRefSchema,
  }),
]);
export type HttpAuth = z.infer<typeof httpAuthSchema>;

/** An HTTP API tool: its whole definition is this spec. */
export const httpToolSpecSchema = strictObject({
  kind: z.literal("http"),
  name: identifierSchema,
  description: z.string().max(4000).default(""),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
  /** URL template; `{arg}` placeholders are filled from inputs. */
  url: z.string().min(1).max(2000),
  headers: z.record(z.string(), z.string()).optional(),
  /** Header name → secret name, resolved at run time. */
  secretHeaders: z.record(z.string(), secretRefSchema).optional(),
  inputs: z.record(identifierSchema, toolInputSchema).default({}),
  /**
   * Where each input goes (input name → placement). An input without one follows the original
   * rule: a URL placeholder, else the query (GET, DELETE) or a field of the JSON body.
   */
  params: z.record(identifierSchema, httpInputPlacementSchema).optional(),
  auth: httpAuthSchema.optional(),
  outputType: z.enum(toolOutputTypes).default("string"),
});

/** How the engine reaches an MCP server: Streamable HTTP (legacy SSE as fallback), SSE, or a local command. */
export const mcpTransports = ["http", "sse", "stdio"] as const;
export type McpTransport = (typeof mcpTransports)[number];

/** An environment variable's name, as a stdio MCP server receives it. */
export const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Environment variable names are letters, digits and _")
  .max(128);

/** Bounds of an MCP server's settings, shared by the spec, the node and validation. */
export const mcpLimits = { maxArgs: 100, maxTools: 500, maxTimeoutSeconds: 600 } as const;

/**
 * An MCP server whose tools the agent gets: over HTTP (`url`, headers from secrets) or as a command
 * the worker starts (`command` from the operator's allow-list, `args` as an array, never a shell
 * string; its environment is only `envSecrets` plus PATH).
 */
export const mcpToolSpecSchema = strictObject({
  kind: z.literal("mcp"),
  name: identifierSchema,
  transport: z.enum(mcpTransports).default("http"),
  /** The server's endpoint (http, sse). */
  url: z.url().optional(),
  /** Header name → secret name, resolved at run time (http, sse). */
  secretHeaders: z.record(z.string(), secretRefSchema).optional(),
  /** The program to start (stdio): exactly an entry of MCP_STDIO_COMMANDS. */
  command: z.string().min(1).max(500).optional(),
  /** Its arguments, one element each (stdio). */
  args: z.array(z.string().max(4000)).max(mcpLimits.maxArgs).optional(),
  /** Environment variable → secret name (stdio); nothing else but PATH is passed. */
  envSecrets: z.record(envNameSchema, secretRefSchema).optional(),
  /** The server's tools the agent gets, by their MCP names; all of them when absent. */
  tools: z.array(z.string().min(1).max(200)).min(1).max(mcpLimits.maxTools).optional(),
  /** Time for each tool call (and for connecting); 60 s when absent. */
  timeoutSeconds: z.number().positive().max(mcpLimits.maxTimeoutSeconds).optional(),
}).superRefine((spec, ctx) => {
  if (spec.transport === "stdio") {
    if (!spec.command)
      ctx.addIssue({ code: "custom", path: ["command"], message: "A stdio MCP server needs a command" });
  } else if (!spec.url) {
    ctx.addIssue({ code: "custom", path: ["url"], message: `An ${spec.transport} MCP server needs a URL` });
  }
});
export type McpToolSpec = z.infer<typeof mcpToolSpecSchema>;
export type McpToolSpecInput = z.input<typeof mcpToolSpecSchema>;
/** The secret names an HTTP or MCP tool spec sends (headers and its auth scheme), sorted, once each. */
export function httpToolSecretNames(tool: {
  secretHeaders?: Record<string, string>;
  auth?: { secret: string };
}): string[] {
  const names = Object.values(tool.secretHeaders ?? {});
  if (tool.auth?.secret) names.push(tool.auth.secret);
  return [...new Set(names)].sort();
}

export const toolSpecSchema = z.discriminatedUnion("kind", [
  strictObject({
    kind: z.literal("builtin"),
    name: z.enum(builtinToolNames),
    /** Tool-specific settings, e.g. { backend: "duckduckgo" } for web_search. */
    config: z.record(z.string(), z.unknown()).optional(),
  }),
  pythonToolSpecSchema,
  httpToolSpecSchema,
  mcpToolSpecSchema,
]);
export type ToolSpec = z.infer<typeof toolSpecSchema>;

export const executorSpecSchema = strictObject({
  kind: z.enum(["pyodide", "docker", "local"]).default("pyodide"),
  timeoutSeconds: z.number().positive().max(3600).optional(),
  memoryMb: z.number().int().positive().max(65_536).optional(),
  cpus: z.number().positive().max(64).optional(),
  image: z.string().optional(),
});
export type ExecutorSpec = z.infer<typeof executorSpecSchema>;

// ---- Final-answer checks (smolagents' final_answer_checks; rules in ./final-answer-checks) ----

/** A Python check: `def name(answer, memory) -> bool`, run in a sandbox; a false value or an exception rejects. */
export const pythonFinalAnswerCheckSchema = strictObject({
  kind: z.literal("python"),
  name: identifierSchema,
  source: z.string().max(100_000),
}).superRefine((check, ctx) => {
  const problem = pythonCheckSourceProblem(check.name, check.source);
  if (problem) ctx.addIssue({ code: "custom", path: ["source"], message: problem });
});

/** A JSON-Schema check: the answer (a string holding JSON is parsed first) must match `schema`. */
export const jsonSchemaFinalAnswerCheckSchema = strictObject({
  kind: z.literal("jsonSchema"),
  name: identifierSchema,
  schema: z.record(z.string(), z.unknown()),
}).superRefine((check, ctx) => {
  const problem = jsonSchemaProblem(check.schema);
  if (problem) ctx.addIssue({ code: "custom", path: ["schema"], message: problem });
});

export const finalAnswerCheckSpecSchema = z.discriminatedUnion("kind", [
  pythonFinalAnswerCheckSchema,
  jsonSchemaFinalAnswerCheckSchema,
]);
export type FinalAnswerCheckSpec = z.infer<typeof finalAnswerCheckSpecSchema>;

/** An agent's checks, run in order on every final answer; names are unique. */
export const finalAnswerChecksSchema = z
  .array(finalAnswerCheckSpecSchema)
  .max(MAX_FINAL_ANSWER_CHECKS)
  .superRefine((checks, ctx) => {
    for (const problem of checkListProblems(checks)) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    }
  });

// ---- end of final-answer checks ----
/** Prompt templates (smolagents' `prompt_templates`): overrides of the engine's defaults, see ./prompt-templates. */
const promptFields = {
  promptTemplates: promptTemplatesSchema.optional(),
};

const agentBase = strictObject({
  type: z.enum(["code", "toolCalling"]),
  name: identifierSchema,
  /** Shown to a manager agent that can call this one. */
  description: z.string().max(4000).default(""),
  instructions: z.string().max(100_000).optional(),
  model: modelSpecSchema,
  tools: z.array(toolSpecSchema).default([]),
  maxSteps: z.number().int().min(1).max(200).default(20),
  planningInterval: z.number().int().min(1).max(100).optional(),
  addBaseTools: z.boolean().default(false),
  /** JSON Schema the final answer must satisfy (structured output). */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Checks every final answer must pass (see finalAnswerCheckSpecSchema). */
  finalAnswerChecks: finalAnswerChecksSchema.optional(),
  /** CodeAgent only. */
  additionalAuthorizedImports: z.array(z.string().min(1)).default([]),
  /** CodeAgent only; defaults to Pyodide. */
  executor: executorSpecSchema.optional(),
  ...promptFields,
});

export type AgentSpec = z.infer<typeof agentBase> & { managedAgents: AgentSpec[] };
export type AgentSpecInput = z.input<typeof agentBase> & { managedAgents?: AgentSpecInput[] };

export const agentSpecSchema: z.ZodType<AgentSpec, AgentSpecInput> = strictObject({
  ...agentBase.shape,
  get managedAgents() {
    return z.array(agentSpecSchema).default([]);
  },
});
