import { zipSync } from "fflate";
import { stringify as toYaml } from "yaml";
import type { AgentSpec, ToolSpec } from "../agent-spec";
import { effectivePromptTemplate, type PromptTemplateKey } from "../prompt-templates";
import { toJinja } from "./jinja";
import { builtinToolFile, pythonToolFile } from "./tool-file";

/**
 * An agent spec as a smolagents saved-agent folder — what `agent.save(folder)` writes and
 * `CodeAgent.from_folder(folder)` loads: `agent.json` (the keys of smolagents' `to_dict`, with
 * `tools` and `managed_agents` by name), `tools/<name>.py` (`Tool` subclasses, `final_answer`
 * included), `managed_agents/<name>/…` recursively, `prompts.yaml`, `requirements.txt` and the
 * `__init__.py` files. Pure and browser-safe; `src/agents/README.md` lists what maps and what not.
 */

/** Modules smolagents' CodeAgent always authorizes (its `BASE_BUILTIN_MODULES`). */
export const smolagentsBaseImports = [
  "collections",
  "datetime",
  "itertools",
  "math",
  "queue",
  "random",
  "re",
  "stat",
  "statistics",
  "time",
  "unicodedata",
] as const;

/** Standard-library modules that are not requirements of an exported tool. */
const standardLibrary = new Set([
  ...smolagentsBaseImports,
  "abc",
  "asyncio",
  "base64",
  "csv",
  "dataclasses",
  "decimal",
  "enum",
  "fractions",
  "functools",
  "hashlib",
  "heapq",
  "html",
  "io",
  "json",
  "operator",
  "os",
  "pathlib",
  "string",
  "sys",
  "textwrap",
  "typing",
  "urllib",
  "uuid",
  "zoneinfo",
]);

/** The folder's files (path → text) and what did not carry over. */
export interface SmolagentsFolder {
  files: Record<string, string>;
  warnings: string[];
}

const templateKeys: PromptTemplateKey[] = [
  "system_prompt",
  "planning.initial_plan",
  "planning.update_plan_pre_messages",
  "planning.update_plan_post_messages",
  "managed_agent.task",
  "managed_agent.report",
  "final_answer.pre_messages",
  "final_answer.post_messages",
];

/** The smolagents `prompt_templates` of an agent: every template, as Jinja. */
export function smolagentsPromptTemplates(spec: AgentSpec): Record<string, unknown> {
  const out: Record<string, Record<string, string> | string> = {};
  for (const key of templateKeys) {
    const text = toJinja(effectivePromptTemplate(spec.type, spec.promptTemplates, key), {
      type: spec.type,
      key,
      maxSteps: spec.maxSteps,
      ...(spec.instructions ? { instructions: spec.instructions } : {}),
      ...(spec.outputSchema ? { outputSchema: spec.outputSchema } : {}),
    });
    if (key === "system_prompt") out.system_prompt = text;
    else {
      const [group, name] = key.split(".") as [string, string];
      out[group] = { ...((out[group] as Record<string, string> | undefined) ?? {}), [name]: text };
    }
  }
  return out;
}

function modelEntry(spec: AgentSpec, warnings: string[]): { class: string; data: Record<string, unknown> } {
  const model = spec.model;
  const where = `agent '${spec.name}'`;
  if (model.provider === "replay") {
    warnings.push(
      `${where}: a replay model has no smolagents counterpart; exported as InferenceClientModel with smolagents' default model`,
    );
    return { class: "InferenceClientModel", data: {} };
  }
  const tuning = {
    ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
    ...(model.maxTokens !== undefined ? { max_tokens: model.maxTokens } : {}),
  };
  if (model.apiKeySecret) {
    warnings.push(
      `${where}: the key secret ${model.apiKeySecret} is not exported (smolagents reads ${
        model.provider === "hf" ? "HF_TOKEN" : "OPENAI_API_KEY"
      } from the environment)`,
    );
  }
  if (model.provider === "hf") {
    return {
      class: "InferenceClientModel",
      data: {
        model_id: model.model,
        ...(model.hfProvider ? { provider: model.hfProvider } : {}),
        ...(model.endpointUrl ? { base_url: model.endpointUrl } : {}),
        ...tuning,
      },
    };
  }
  if (model.headers && Object.keys(model.headers).length) {
    warnings.push(`${where}: the model's extra headers are not exported`);
  }
  return {
    class: "OpenAIServerModel",
    data: { model_id: model.model, ...(model.baseUrl ? { api_base: model.baseUrl } : {}), ...tuning },
  };
}

/** The tools an agent has in smolagents' terms (base tools spelled out, final_answer last). */
function exportedTools(
  spec: AgentSpec,
  warnings: string[],
): { name: string; file: string; source?: string }[] {
  const specs: ToolSpec[] = [...spec.tools];
  if (spec.addBaseTools) {
    const base = [
      "web_search",
      "visit_webpage",
      ...(spec.type === "toolCalling" ? ["python_interpreter"] : []),
    ];
    for (const name of base) {
      if (!specs.some((tool) => tool.kind === "builtin" && tool.name === name))
        specs.push({ kind: "builtin", name: name as "web_search" });
    }
  }
  const out: { name: string; file: string; source?: string }[] = [];
  for (const tool of specs) {
    if (tool.kind === "builtin") {
      if (tool.name !== "final_answer") out.push({ name: tool.name, file: builtinToolFile(tool.name) });
    } else if (tool.kind === "python") {
      out.push({ name: tool.name, file: pythonToolFile(tool), source: tool.source });
    } else {
      warnings.push(
        `agent '${spec.name}': the ${tool.kind === "http" ? "HTTP" : "MCP"} tool '${tool.name}' has no smolagents folder form and is left out`,
      );
    }
  }
  out.push({ name: "final_answer", file: builtinToolFile("final_answer") });
  return out;
}

/** Top-level modules a Python source imports. */
function importedModules(source: string): string[] {
  const modules = new Set<string>();
  for (const match of source.matchAll(
    /^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import|import\s+([A-Za-z_][\w.,\s]*))/gm,
  )) {
    const names = match[1] ? [match[1]] : (match[2] ?? "").split(",");
    for (const name of names) {
      const top = name.trim().split(/[.\s]/)[0];
      if (top) modules.add(top);
    }
  }
  return [...modules];
}

function writeAgent(
  spec: AgentSpec,
  prefix: string,
  files: Record<string, string>,
  warnings: string[],
): string[] {
  const tools = exportedTools(spec, warnings);
  const childRequirements = new Set<string>();
  if (spec.managedAgents.length) files[`${prefix}managed_agents/__init__.py`] = "";
  for (const child of spec.managedAgents) {
    for (const requirement of writeAgent(child, `${prefix}managed_agents/${child.name}/`, files, warnings))
      childRequirements.add(requirement);
  }
  files[`${prefix}__init__.py`] = "";
  files[`${prefix}tools/__init__.py`] = "";
  for (const tool of tools) files[`${prefix}tools/${tool.name}.py`] = tool.file;

  const authorized =
    spec.type === "code"
      ? [...new Set([...smolagentsBaseImports, ...spec.additionalAuthorizedImports])].sort()
      : [];
  const requirements = new Set<string>(["smolagents", ...childRequirements]);
  for (const tool of tools) {
    for (const module of importedModules(tool.source ?? ""))
      if (!standardLibrary.has(module)) requirements.add(module);
  }
  for (const module of authorized) {
    const top = module.split(".")[0]!;
    if (top !== "*" && !standardLibrary.has(top)) requirements.add(top);
  }
  const promptTemplates = smolagentsPromptTemplates(spec);
  const executorKind = spec.executor?.kind ?? "pyodide";
  const agentJson: Record<string, unknown> = {
    class: spec.type === "code" ? "CodeAgent" : "ToolCallingAgent",
    tools: tools.map((tool) => tool.name),
    model: modelEntry(spec, warnings),
    managed_agents: Object.fromEntries(
      spec.managedAgents.map((child) => [
        child.name,
        child.type === "code" ? "CodeAgent" : "ToolCallingAgent",
      ]),
    ),
    prompt_templates: promptTemplates,
    max_steps: spec.maxSteps,
    verbosity_level: 1,
    planning_interval: spec.planningInterval ?? null,
    name: spec.name,
    description: spec.description,
    requirements: [...requirements].sort(),
  };
  if (spec.type === "code") {
    Object.assign(agentJson, {
      authorized_imports: authorized,
      executor_type: executorKind === "docker" ? "docker" : "local",
      executor_kwargs: {},
      max_print_outputs_length: null,
    });
  }
  files[`${prefix}agent.json`] = JSON.stringify(agentJson, null, 4);
  files[`${prefix}prompts.yaml`] = toYaml(promptTemplates, {
    defaultStringType: "BLOCK_LITERAL",
    defaultKeyType: "PLAIN",
    lineWidth: 0,
  });
  files[`${prefix}requirements.txt`] = [...requirements]
    .sort()
    .map((line) => `${line}\n`)
    .join("");
  return [...requirements];
}

/** Write an agent spec (and its managed agents) as a smolagents saved-agent folder. */
export function exportSmolagentsFolder(spec: AgentSpec): SmolagentsFolder {
  const files: Record<string, string> = {};
  const warnings: string[] = [];
  writeAgent(spec, "", files, warnings);
  return { files, warnings };
}

/** A folder's files as a zip, under one top-level folder named after the agent. */
export function zipSmolagentsFolder(folder: SmolagentsFolder, root: string): Uint8Array {
  const encoder = new TextEncoder();
  const entries: Record<string, Uint8Array> = {};
  for (const [path, text] of Object.entries(folder.files).sort(([a], [b]) => a.localeCompare(b))) {
    entries[`${root}/${path}`] = encoder.encode(text);
  }
  return zipSync(entries, { level: 6, mtime: new Date("2000-01-01T00:00:00Z") });
}
