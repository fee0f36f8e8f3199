import { unzipSync } from "fflate";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { GraphIssue } from "../graph-issue";
import { edgeOfKind } from "../handles";
import {
  defaultPromptTemplate,
  type PromptTemplateKey,
  type PromptTemplates,
  promptTemplateKeys,
  prunePromptTemplates,
  setPromptTemplate,
} from "../prompt-templates";
import { identifierProblem } from "../validate";
import {
  type AgentNodeData,
  CURRENT_WORKFLOW_VERSION,
  type ModelNodeData,
  type ToolNodeData,
  type WorkflowDocument,
  type WorkflowEdge,
  type WorkflowNode,
} from "../workflow-document";
import { smolagentsBaseImports } from "./export";
import { fromJinja } from "./jinja";
import { type ImportedTool, parseToolFile } from "./tool-file";

/**
 * A smolagents saved-agent folder (`agent.save(folder)`; a zip of it or its files) read as a
 * Troupe workflow: one agent node per agent (the root manages the others, recursively), a model
 * node per agent, a tool node per tool, a Docker sandbox when the agent used one. Nothing is run:
 * tools are read as text (./tool-file). Pure and browser-safe.
 */

/** Caps on what an upload may hold. */
export const smolagentsImportLimits = { maxFiles: 500, maxBytes: 5 * 1024 * 1024, maxDepth: 8 };

export type SmolagentsImportResult =
  | {
      ok: true;
      document: WorkflowDocument;
      /** The root agent's name. */
      name: string;
      /** What did not carry over, in words naming the file. */
      warnings: string[];
      /** Problems the canvas will show (a model class Troupe has no provider for). */
      issues: GraphIssue[];
    }
  | { ok: false; message: string };

class ImportFailure extends Error {}

/** Read a zip upload into path → text, refusing archives over the limits (checked before inflating). */
export function unzipSmolagentsFolder(bytes: Uint8Array): Record<string, string> {
  let total = 0;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter(file) {
        if (file.name.endsWith("/")) return false;
        count++;
        total += file.originalSize;
        if (count > smolagentsImportLimits.maxFiles)
          throw new ImportFailure(`The zip holds more than ${smolagentsImportLimits.maxFiles} files`);
        if (total > smolagentsImportLimits.maxBytes)
          throw new ImportFailure("The zip unpacks to more than 5 MB; a saved agent never does");
        return true;
      },
    });
  } catch (error) {
    if (error instanceof ImportFailure) throw error;
    throw new ImportFailure(
      `The file is not a readable zip archive (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const decoder = new TextDecoder("utf-8", { fatal: false });
  return Object.fromEntries(Object.entries(entries).map(([path, data]) => [path, decoder.decode(data)]));
}

const agentJsonSchema = z.looseObject({
  class: z.string({ error: "class is required (CodeAgent or ToolCallingAgent)" }),
  tools: z.array(z.string(), { error: "tools must be a list of tool names" }),
  model: z.looseObject(
    {
      class: z.string({ error: "model.class is required" }),
      data: z.record(z.string(), z.unknown()).default({}),
    },
    { error: "model must be an object with class and data" },
  ),
  managed_agents: z
    .record(z.string(), z.string(), {
      error: "managed_agents must map each managed agent's name to its class (as save() writes it)",
    })
    .default({}),
  prompt_templates: z.record(z.string(), z.unknown()).nullish(),
  max_steps: z.number().int().min(1).max(200).nullish(),
  planning_interval: z.number().int().min(1).max(100).nullish(),
  name: z.string().nullish(),
  description: z.string().max(4000).nullish(),
  authorized_imports: z.array(z.string()).nullish(),
  executor_type: z.string().nullish(),
});
type AgentJson = z.infer<typeof agentJsonSchema>;

/** Paths relative to the folder that holds the root `agent.json` (a zip usually wraps it in one folder). */
function normalise(files: Record<string, string>): Record<string, string> {
  const cleaned = Object.entries(files).map(
    ([path, text]) => [path.replace(/\\/g, "/").replace(/^\.\//, "").replace(/^\/+/, ""), text] as const,
  );
  const roots = cleaned
    .map(([path]) => path)
    .filter((path) => path === "agent.json" || path.endsWith("/agent.json"))
    .map((path) => path.slice(0, -"agent.json".length))
    .filter((prefix) => !prefix.includes("managed_agents/"))
    .sort((a, b) => a.length - b.length);
  const root = roots[0];
  if (root === undefined)
    throw new ImportFailure("agent.json: not found (a saved smolagents agent has one at its top)");
  return Object.fromEntries(
    cleaned.filter(([path]) => path.startsWith(root)).map(([path, text]) => [path.slice(root.length), text]),
  );
}

function readJson(files: Record<string, string>, path: string): unknown {
  const text = files[path];
  if (text === undefined) throw new ImportFailure(`${path}: not found`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImportFailure(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One agent read from its folder, before layout. */
interface ReadAgent {
  data: AgentNodeData;
  model: ModelNodeData | undefined;
  modelClass: string;
  tools: ToolNodeData[];
  docker: boolean;
  children: ReadAgent[];
  file: string;
}

function modelData(json: AgentJson): ModelNodeData | undefined {
  const data = json.model.data;
  const modelId = typeof data.model_id === "string" ? data.model_id : "";
  const tuning = {
    ...(typeof data.temperature === "number" ? { temperature: data.temperature } : {}),
    ...(typeof data.max_tokens === "number" ? { maxTokens: data.max_tokens } : {}),
  };
  switch (json.model.class) {
    case "InferenceClientModel":
    case "HfApiModel":
      return {
        provider: "hf",
        model: modelId,
        ...(typeof data.provider === "string" ? { hfProvider: data.provider } : {}),
        ...(typeof data.base_url === "string" ? { endpointUrl: data.base_url } : {}),
        ...tuning,
      };
    case "OpenAIServerModel":
    case "OpenAIModel":
    case "LiteLLMModel":
      return {
        provider: "openai",
        model: modelId,
        ...(typeof data.api_base === "string" ? { baseUrl: data.api_base } : {}),
        ...tuning,
      };
    default:
      return undefined;
  }
}

/** Placeholders a template cannot do without (a report without the answer loses it); smolagents' own templates all use them. */
const essentialPlaceholders: Partial<Record<PromptTemplateKey, Record<"code" | "toolCalling", string[]>>> = {
  system_prompt: { code: ["tools"], toolCalling: [] },
  "planning.initial_plan": { code: ["task"], toolCalling: ["task"] },
  "managed_agent.task": { code: ["task"], toolCalling: ["task"] },
  "managed_agent.report": { code: ["finalAnswer"], toolCalling: ["finalAnswer"] },
  "final_answer.post_messages": { code: ["task"], toolCalling: ["task"] },
};

/** How smolagents spells a placeholder, for messages. */
function smolagentsVariable(name: string): string {
  return name === "finalAnswer" ? "final_answer" : name;
}

function promptTemplatesOf(
  json: AgentJson,
  files: Record<string, string>,
  prefix: string,
  type: "code" | "toolCalling",
  maxSteps: number,
  warnings: string[],
): { templates: PromptTemplates | undefined; instructions?: string; outputSchema?: Record<string, unknown> } {
  let raw: unknown = json.prompt_templates;
  let source = `${prefix}agent.json`;
  if (!raw && files[`${prefix}prompts.yaml`] !== undefined) {
    source = `${prefix}prompts.yaml`;
    try {
      raw = parseYaml(files[source]!);
    } catch (error) {
      throw new ImportFailure(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (raw === undefined || raw === null) return { templates: undefined };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new ImportFailure(`${source}: prompt_templates must be a mapping`);
  let templates: PromptTemplates | undefined;
  let instructions: string | undefined;
  let outputSchema: Record<string, unknown> | undefined;
  for (const key of promptTemplateKeys) {
    const [group, name] = key.split(".") as [string, string | undefined];
    const value = name
      ? ((raw as Record<string, unknown>)[group] as Record<string, unknown> | undefined)?.[name]
      : (raw as Record<string, unknown>)[group];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new ImportFailure(`${source}: prompt_templates.${key} must be text`);
    const read = fromJinja(value, { type, key: key as PromptTemplateKey, maxSteps });
    if (!read.ok) {
      warnings.push(
        `${source}: prompt template ${key} is not imported (${read.reason}); the agent uses Troupe's default`,
      );
      continue;
    }
    const missing = (essentialPlaceholders[key]?.[type] ?? []).filter(
      (name) => !read.text.includes(`{{${name}}}`),
    );
    if (missing.length) {
      warnings.push(
        `${source}: prompt template ${key} is not imported (it never uses ${missing
          .map((name) => `{{ ${smolagentsVariable(name)} }}`)
          .join(", ")}, without which the agent cannot work); the agent uses Troupe's default`,
      );
      continue;
    }
    if (read.instructions !== undefined) instructions = read.instructions;
    if (read.outputSchema) outputSchema = read.outputSchema;
    if (read.text !== defaultPromptTemplate(type, key))
      templates = setPromptTemplate(templates, key, read.text);
  }
  return {
    templates: prunePromptTemplates(type, templates),
    ...(instructions !== undefined ? { instructions } : {}),
    ...(outputSchema ? { outputSchema } : {}),
  };
}

function readAgent(
  files: Record<string, string>,
  prefix: string,
  depth: number,
  warnings: string[],
): ReadAgent {
  const file = `${prefix}agent.json`;
  if (depth > smolagentsImportLimits.maxDepth)
    throw new ImportFailure(`${file}: managed agents nest too deeply`);
  const parsed = agentJsonSchema.safeParse(readJson(files, file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join(".");
    throw new ImportFailure(
      `${file}: ${at && !issue.message.startsWith(at) ? `${at}: ` : ""}${issue.message}`,
    );
  }
  const json = parsed.data;
  const type =
    json.class === "CodeAgent" ? "code" : json.class === "ToolCallingAgent" ? "toolCalling" : undefined;
  if (!type)
    throw new ImportFailure(
      `${file}: class ${JSON.stringify(json.class)} is not CodeAgent or ToolCallingAgent`,
    );
  const name = json.name ?? (depth === 0 ? "agent" : (prefix.split("/").at(-2) ?? "agent"));
  const nameProblem = identifierProblem(name);
  if (nameProblem) throw new ImportFailure(`${file}: name: ${nameProblem}`);
  const maxSteps = json.max_steps ?? 20;

  const tools: ToolNodeData[] = [];
  for (const toolName of json.tools) {
    if (toolName === "final_answer") continue;
    const toolFile = `${prefix}tools/${toolName}.py`;
    const text = files[toolFile];
    if (text === undefined)
      throw new ImportFailure(`${toolFile}: not found (agent.json lists the tool '${toolName}')`);
    const read = parseToolFile(text, toolFile);
    if (!read.ok) {
      warnings.push(`${read.message}; the tool is left out`);
      continue;
    }
    tools.push(toolNodeData(read.tool));
  }

  const children: ReadAgent[] = [];
  for (const [childName, childClass] of Object.entries(json.managed_agents)) {
    if (childClass !== "CodeAgent" && childClass !== "ToolCallingAgent") {
      throw new ImportFailure(
        `${file}: managed agent '${childName}' has the class ${childClass}, not CodeAgent or ToolCallingAgent`,
      );
    }
    children.push(readAgent(files, `${prefix}managed_agents/${childName}/`, depth + 1, warnings));
  }

  const prompts = promptTemplatesOf(json, files, prefix, type, maxSteps, warnings);
  const base = new Set<string>(smolagentsBaseImports);
  const executorType = json.executor_type ?? "local";
  if (type === "code" && !["local", "docker"].includes(executorType)) {
    warnings.push(`${file}: executor_type ${executorType} has no Troupe sandbox; the agent runs in Pyodide`);
  }
  return {
    file,
    modelClass: json.model.class,
    model: modelData(json),
    tools,
    docker: type === "code" && executorType === "docker",
    children,
    data: {
      agentType: type,
      name,
      description: json.description ?? "",
      instructions: prompts.instructions ?? "",
      maxSteps,
      ...(json.planning_interval ? { planningInterval: json.planning_interval } : {}),
      addBaseTools: false,
      additionalAuthorizedImports:
        type === "code" ? (json.authorized_imports ?? []).filter((module) => !base.has(module)) : [],
      ...(prompts.outputSchema ? { outputSchema: prompts.outputSchema } : {}),
      ...(prompts.templates ? { promptTemplates: prompts.templates } : {}),
    },
  };
}

function toolNodeData(tool: ImportedTool): ToolNodeData {
  return tool.kind === "builtin"
    ? { kind: "builtin", name: tool.name }
    : { kind: "python", name: tool.name, description: tool.description, source: tool.source };
}

/** Lay the agents out as a tree (managers above what they manage), attachments under each agent. */
function layout(root: ReadAgent): { nodes: WorkflowNode[]; edges: WorkflowEdge[]; issues: GraphIssue[] } {
  const nodes: WorkflowNode[] = [];
  const edges: WorkflowEdge[] = [];
  const issues: GraphIssue[] = [];
  let column = 0;
  const columnWidth = 230;
  const place = (agent: ReadAgent, path: string[], depth: number): string => {
    const id = `agent-${path.join("-")}`;
    const attachments: { type: "model" | "tool" | "sandbox"; id: string; data: WorkflowNode["data"] }[] = [];
    if (agent.model) attachments.push({ type: "model", id: `${id}-model`, data: agent.model });
    agent.tools.forEach((tool, i) => {
      attachments.push({ type: "tool", id: `${id}-tool-${i}`, data: tool });
    });
    if (agent.docker) attachments.push({ type: "sandbox", id: `${id}-sandbox`, data: { kind: "docker" } });
    const start = column;
    const y = depth * 420;
    for (const attachment of attachments) {
      nodes.push({
        id: attachment.id,
        type: attachment.type,
        position: { x: column * columnWidth, y: y + 200 },
        data: attachment.data,
      } as WorkflowNode);
      edges.push(
        edgeOfKind(
          attachment.type === "model" ? "uses-model" : attachment.type === "tool" ? "uses-tool" : "runs-in",
          id,
          attachment.id,
        ),
      );
      column++;
    }
    if (attachments.length === 0) column++;
    const childIds = agent.children.map((child) => place(child, [...path, child.data.name], depth + 1));
    for (const childId of childIds) edges.push(edgeOfKind("manages", id, childId));
    const x = ((start + Math.max(start, column - 1)) / 2) * columnWidth;
    nodes.push({ id, type: "agent", position: { x, y }, data: agent.data });
    if (!agent.model) {
      issues.push({
        code: "agent-without-model",
        severity: "error",
        nodeId: id,
        path: ["nodes"],
        message: `${agent.file}: the model class ${agent.modelClass} has no Troupe provider (InferenceClientModel, OpenAIServerModel and LiteLLMModel do); connect a model to "${agent.data.name}"`,
      });
    }
    return id;
  };
  place(root, [root.data.name], 0);
  return { nodes, edges, issues };
}

/**
 * Read a smolagents saved-agent folder (path → text; paths may sit under one top-level folder) as a
 * workflow. Malformed input is refused with a message naming the file; never throws.
 */
export function importSmolagentsFolder(input: Record<string, string>): SmolagentsImportResult {
  try {
    if (Object.keys(input).length > smolagentsImportLimits.maxFiles)
      throw new ImportFailure(`The folder holds more than ${smolagentsImportLimits.maxFiles} files`);
    const files = normalise(input);
    const warnings: string[] = [];
    const root = readAgent(files, "", 0, warnings);
    const { nodes, edges, issues } = layout(root);
    return {
      ok: true,
      name: root.data.name,
      warnings,
      issues,
      document: { version: CURRENT_WORKFLOW_VERSION, nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } },
    };
  } catch (error) {
    if (error instanceof ImportFailure) return { ok: false, message: error.message };
    throw error;
  }
}

/** Read a zip of a saved-agent folder; never throws. */
export function importSmolagentsZip(bytes: Uint8Array): SmolagentsImportResult {
  try {
    return importSmolagentsFolder(unzipSmolagentsFolder(bytes));
  } catch (error) {
    if (error instanceof ImportFailure) return { ok: false, message: error.message };
    throw error;
  }
}
