import { readFileSync } from "node:fs";

/**
 * System prompt and planning templates, kept as plain-text files beside this module so they read
 * as prose and diff cleanly. `{{name}}` placeholders are filled by `renderPrompt`; unknown
 * placeholders are left empty.
 */

const names = [
  "code-agent.system",
  "tool-calling-agent.system",
  "managed-agents",
  "planning-initial",
  "planning-update",
  "final-answer",
  "managed-agent-task",
] as const;
export type PromptName = (typeof names)[number];

const templates = new Map<PromptName, string>(
  names.map((name) => [name, readFileSync(new URL(`./${name}.txt`, import.meta.url), "utf8")]),
);

/** Fill a template's `{{placeholders}}`. */
export function renderPrompt(name: PromptName, values: Record<string, string | number>): string {
  const template = templates.get(name) ?? "";
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key] ?? ""));
}
