import { z } from "zod";
import {
  codeAgentSystemPrompt,
  finalAnswerPostPrompt,
  finalAnswerPrePrompt,
  initialPlanPrompt,
  managedAgentReportPrompt,
  managedAgentTaskPrompt,
  toolCallingAgentSystemPrompt,
  updatePlanPostPrompt,
  updatePlanPrePrompt,
} from "./prompt-defaults";
import { strictObject } from "./strict-object";

/**
 * Prompt templates per agent, shaped as smolagents' `prompt_templates` (system prompt; planning:
 * initial plan, plan-update messages before and after the memory; managed agent: task and report;
 * final answer at the step limit: messages before and after the memory). An agent may override any
 * of them; the rest are the engine's defaults (./prompt-defaults). A template is text with
 * `{{placeholder}}`s the engine fills; each template has its own list of placeholders.
 */

/** Every template, by its dotted path in smolagents' `prompt_templates`. */
export const promptTemplateKeys = [
  "system_prompt",
  "planning.initial_plan",
  "planning.update_plan_pre_messages",
  "planning.update_plan_post_messages",
  "managed_agent.task",
  "managed_agent.report",
  "final_answer.pre_messages",
  "final_answer.post_messages",
] as const;
export type PromptTemplateKey = (typeof promptTemplateKeys)[number];

type AgentKind = "code" | "toolCalling";

const templateText = z.string().max(100_000);

/** The override object, strict (agent specs). Unset templates use the engine's defaults. */
export const promptTemplatesSchema = strictObject({
  system_prompt: templateText.optional(),
  planning: strictObject({
    initial_plan: templateText.optional(),
    update_plan_pre_messages: templateText.optional(),
    update_plan_post_messages: templateText.optional(),
  }).optional(),
  managed_agent: strictObject({ task: templateText.optional(), report: templateText.optional() }).optional(),
  final_answer: strictObject({
    pre_messages: templateText.optional(),
    post_messages: templateText.optional(),
  }).optional(),
});
export type PromptTemplates = z.infer<typeof promptTemplatesSchema>;

/** The same shape, lenient about unknown keys (workflow documents accept drafts). */
export const promptTemplatesDraftSchema = z.object({
  system_prompt: templateText.optional(),
  planning: z
    .object({
      initial_plan: templateText.optional(),
      update_plan_pre_messages: templateText.optional(),
      update_plan_post_messages: templateText.optional(),
    })
    .optional(),
  managed_agent: z.object({ task: templateText.optional(), report: templateText.optional() }).optional(),
  final_answer: z
    .object({ pre_messages: templateText.optional(), post_messages: templateText.optional() })
    .optional(),
});

const systemPlaceholders: Record<AgentKind, readonly string[]> = {
  code: [
    "tools",
    "managedAgents",
    "authorizedImports",
    "codeOpen",
    "codeClose",
    "outputSchema",
    "instructions",
  ],
  toolCalling: ["tools", "managedAgents", "outputSchema", "instructions"],
};

const placeholders: Record<Exclude<PromptTemplateKey, "system_prompt">, readonly string[]> = {
  "planning.initial_plan": ["task", "tools", "managedAgents"],
  "planning.update_plan_pre_messages": ["task"],
  "planning.update_plan_post_messages": [
    "task",
    "tools",
    "managedAgents",
    "stepNumber",
    "maxSteps",
    "remainingSteps",
  ],
  "managed_agent.task": ["name", "task"],
  "managed_agent.report": ["name", "finalAnswer"],
  "final_answer.pre_messages": [],
  "final_answer.post_messages": ["task"],
};

/** The placeholders the engine fills in one template of one agent kind. */
export function promptTemplatePlaceholders(type: AgentKind, key: PromptTemplateKey): readonly string[] {
  return key === "system_prompt" ? systemPlaceholders[type] : placeholders[key];
}

const defaults: Record<Exclude<PromptTemplateKey, "system_prompt">, string> = {
  "planning.initial_plan": initialPlanPrompt,
  "planning.update_plan_pre_messages": updatePlanPrePrompt,
  "planning.update_plan_post_messages": updatePlanPostPrompt,
  "managed_agent.task": managedAgentTaskPrompt,
  "managed_agent.report": managedAgentReportPrompt,
  "final_answer.pre_messages": finalAnswerPrePrompt,
  "final_answer.post_messages": finalAnswerPostPrompt,
};

/** The engine's default text of one template. */
export function defaultPromptTemplate(type: AgentKind, key: PromptTemplateKey): string {
  if (key === "system_prompt") return type === "code" ? codeAgentSystemPrompt : toolCallingAgentSystemPrompt;
  return defaults[key];
}

/** The override of one template, if the agent sets it. */
export function getPromptTemplate(
  templates: PromptTemplates | undefined,
  key: PromptTemplateKey,
): string | undefined {
  if (!templates) return undefined;
  if (key === "system_prompt") return templates.system_prompt;
  const [group, name] = key.split(".") as [keyof PromptTemplates, string];
  const section = templates[group] as Record<string, string | undefined> | undefined;
  return section?.[name];
}

/** The text one template renders from: the override, else the default. */
export function effectivePromptTemplate(
  type: AgentKind,
  templates: PromptTemplates | undefined,
  key: PromptTemplateKey,
): string {
  return getPromptTemplate(templates, key) ?? defaultPromptTemplate(type, key);
}

/**
 * Set (or, with `undefined`, clear) one override; empty groups are dropped and an empty result is
 * `undefined`, so an agent without overrides has no `promptTemplates` at all.
 */
export function setPromptTemplate(
  templates: PromptTemplates | undefined,
  key: PromptTemplateKey,
  value: string | undefined,
): PromptTemplates | undefined {
  const next: Record<string, unknown> = structuredClone(templates ?? {});
  if (key === "system_prompt") {
    if (value === undefined) delete next.system_prompt;
    else next.system_prompt = value;
  } else {
    const [group, name] = key.split(".") as [string, string];
    const section = { ...((next[group] as Record<string, string> | undefined) ?? {}) };
    if (value === undefined) delete section[name];
    else section[name] = value;
    if (Object.keys(section).length === 0) delete next[group];
    else next[group] = section;
  }
  return Object.keys(next).length === 0 ? undefined : (next as PromptTemplates);
}

/** Only the overrides that differ from the defaults (`undefined` when none do). */
export function prunePromptTemplates(
  type: AgentKind,
  templates: PromptTemplates | undefined,
): PromptTemplates | undefined {
  let pruned: PromptTemplates | undefined;
  for (const key of promptTemplateKeys) {
    const value = getPromptTemplate(templates, key);
    if (value !== undefined && value !== defaultPromptTemplate(type, key)) {
      pruned = setPromptTemplate(pruned, key, value);
    }
  }
  return pruned;
}

const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Fill a template's `{{placeholders}}`; unknown ones render empty (validation reports them first). */
export function renderPromptTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(placeholderPattern, (_match, key: string) => String(values[key] ?? ""));
}

/** One problem of one template override. */
export interface PromptTemplateProblem {
  key: PromptTemplateKey;
  message: string;
}

/**
 * What is wrong with an agent's overrides: a placeholder the engine does not fill in that template
 * (named, with the ones it does), or template statements (`{% … %}`), which the engine does not run.
 */
export function promptTemplateProblems(
  type: AgentKind,
  templates: PromptTemplates | undefined,
): PromptTemplateProblem[] {
  const problems: PromptTemplateProblem[] = [];
  for (const key of promptTemplateKeys) {
    const text = getPromptTemplate(templates, key);
    if (text === undefined) continue;
    const known = promptTemplatePlaceholders(type, key);
    const unknown = new Set<string>();
    for (const match of text.matchAll(placeholderPattern)) {
      const name = match[1] ?? "";
      if (!known.includes(name)) unknown.add(name);
    }
    for (const name of unknown) {
      problems.push({
        key,
        message: `Prompt template ${key}: unknown placeholder {{${name}}}; ${
          known.length ? `it may use ${known.map((k) => `{{${k}}}`).join(", ")}` : "it takes no placeholders"
        }`,
      });
    }
    if (/\{%|%\}/.test(text)) {
      problems.push({
        key,
        message: `Prompt template ${key}: template statements ({% … %}) are not supported; use {{placeholders}} only`,
      });
    }
  }
  return problems;
}
