import { managedAgentsFragment } from "../prompt-defaults";
import type { PromptTemplateKey } from "../prompt-templates";

/**
 * Troupe prompt templates (`{{placeholders}}` the engine fills) as the Jinja templates smolagents
 * renders (`populate_template`, strict about undefined variables), and back. Placeholders with a
 * smolagents variable map to it (tools and managed agents become loops over smolagents' objects);
 * what smolagents does not carry in `agent.json` (an agent's instructions and output schema) is
 * written into the system prompt as literal text between Jinja comments, so it renders in Python
 * and reads back here. A Jinja template this module did not write is read when it uses only
 * variables; loops and conditions of other origin are reported as unsupported.
 */

type AgentKind = "code" | "toolCalling";

const toolLoops = {
  code: "{% for tool in tools.values() %}{{ tool.to_code_prompt() }}\n\n{% endfor %}",
  toolCalling: "{% for tool in tools.values() %}- {{ tool.to_tool_calling_prompt() }}\n{% endfor %}",
  summary: "{% for tool in tools.values() %}- {{ tool.name }}: {{ tool.description }}\n{% endfor %}",
};

const managedAgentsBlock = `{% if managed_agents %}${managedAgentsFragment.replace(
  "{{agents}}",
  "{% for agent in managed_agents.values() %}- {{ agent.name }}: {{ agent.description }}\n{% endfor %}",
)}{% endif %}`;

const customInstructions = "{% if custom_instructions %}\n{{ custom_instructions }}\n{% endif %}";

/** Placeholders that are one smolagents variable each. */
const variables: Record<string, string> = {
  task: "task",
  name: "name",
  finalAnswer: "final_answer",
  remainingSteps: "remaining_steps",
  authorizedImports: "authorized_imports",
  codeOpen: "code_block_opening_tag",
  codeClose: "code_block_closing_tag",
};
const placeholderOf = Object.fromEntries(Object.entries(variables).map(([k, v]) => [v, k]));
placeholderOf.custom_instructions = "instructions";

const marker = (name: string) => ({ open: `{# troupe:${name} #}`, close: `{# /troupe:${name} #}` });
const instructionsMarker = marker("instructions");
const outputSchemaMarker = marker("output_schema");

/** The sentence the engine writes before an agent's output schema (kept in step with the engine's prompt). */
export function outputSchemaText(schema: Record<string, unknown>): string {
  return `\nThe final answer must be a JSON value matching this JSON Schema:\n${JSON.stringify(schema)}\n`;
}

/** Literal text that Jinja must not interpret. */
function literal(text: string): string {
  if (!/\{[{%#]/.test(text)) return text;
  return `{% raw %}${text.replace(/\{% endraw %\}/g, "{% endraw %}{{ '{% endraw %}' }}{% raw %}")}{% endraw %}`;
}

/** What an exported template may need besides its text. */
export interface JinjaExportContext {
  type: AgentKind;
  key: PromptTemplateKey;
  maxSteps: number;
  instructions?: string;
  outputSchema?: Record<string, unknown>;
}

/** A Troupe template as a smolagents Jinja template. */
export function toJinja(template: string, context: JinjaExportContext): string {
  const system = context.key === "system_prompt";
  let out = "";
  let last = 0;
  for (const match of template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    out += literal(template.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1]!;
    if (name === "tools") out += system ? toolLoops[context.type] : toolLoops.summary;
    else if (name === "managedAgents") out += managedAgentsBlock;
    else if (name === "stepNumber") out += `{{ ${context.maxSteps} - remaining_steps }}`;
    else if (name === "maxSteps") out += `{{ ${context.maxSteps} }}`;
    else if (name === "instructions") {
      const body = context.instructions ? literal(`\n${context.instructions}\n`) : customInstructions;
      out += `${instructionsMarker.open}${body}${instructionsMarker.close}`;
    } else if (name === "outputSchema") {
      const body = context.outputSchema ? literal(outputSchemaText(context.outputSchema)) : "";
      out += `${outputSchemaMarker.open}${body}${outputSchemaMarker.close}`;
    } else if (variables[name]) out += `{{ ${variables[name]} }}`;
    // A placeholder the engine does not fill renders empty in Troupe; validation reports it.
  }
  return out + literal(template.slice(last));
}

/** A smolagents template read back. */
export type FromJinjaResult =
  | { ok: true; text: string; instructions?: string; outputSchema?: Record<string, unknown> }
  | { ok: false; reason: string };

/** Unwrap `{% raw %}` sections (their text is literal). */
function unraw(text: string): string {
  return text
    .replace(/\{% endraw %\}\{\{ '\{% endraw %\}' \}\}\{% raw %\}/g, "{% endraw %}")
    .replace(/\{% raw %\}([\s\S]*?)\{% endraw %\}/g, "$1");
}

function between(
  text: string,
  open: string,
  close: string,
): { inner: string; start: number; end: number } | undefined {
  const start = text.indexOf(open);
  if (start < 0) return undefined;
  const end = text.indexOf(close, start + open.length);
  if (end < 0) return undefined;
  return { inner: text.slice(start + open.length, end), start, end: end + close.length };
}

/** A smolagents Jinja template as a Troupe template, when it uses only what Troupe can fill. */
export function fromJinja(
  jinja: string,
  context: { type: AgentKind; key: PromptTemplateKey; maxSteps: number },
): FromJinjaResult {
  let text = jinja;
  let instructions: string | undefined;
  let outputSchema: Record<string, unknown> | undefined;
  const instructionsRegion = between(text, instructionsMarker.open, instructionsMarker.close);
  if (instructionsRegion) {
    const inner = instructionsRegion.inner;
    if (inner !== customInstructions) instructions = unraw(inner).replace(/^\n/, "").replace(/\n$/, "");
    text = `${text.slice(0, instructionsRegion.start)}{{instructions}}${text.slice(instructionsRegion.end)}`;
  }
  const schemaRegion = between(text, outputSchemaMarker.open, outputSchemaMarker.close);
  if (schemaRegion) {
    const inner = unraw(schemaRegion.inner);
    if (inner) {
      const json = /JSON Schema:\n([\s\S]*)\n$/.exec(inner)?.[1];
      try {
        const parsed: unknown = json ? JSON.parse(json) : undefined;
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
          outputSchema = parsed as Record<string, unknown>;
      } catch {
        return { ok: false, reason: "its output-schema section is not valid JSON" };
      }
    }
    text = `${text.slice(0, schemaRegion.start)}{{outputSchema}}${text.slice(schemaRegion.end)}`;
  }
  const system = context.key === "system_prompt";
  text = text
    .split(system ? toolLoops[context.type] : toolLoops.summary)
    .join("{{tools}}")
    .split(managedAgentsBlock)
    .join("{{managedAgents}}")
    .split(customInstructions)
    .join("{{instructions}}");
  // Literal sections must not be mistaken for template syntax: hold them aside while checking.
  const raws: string[] = [];
  text = text.replace(/\{% raw %\}([\s\S]*?)\{% endraw %\}/g, (_m, inner: string) => {
    raws.push(inner);
    return `\uE000${raws.length - 1}\uE000`;
  });
  text = text.replace(/\{\{\s*(\d+)\s*-\s*remaining_steps\s*\}\}/g, (m, n: string) =>
    Number(n) === context.maxSteps ? "{{stepNumber}}" : m,
  );
  text = text.replace(/\{\{\s*(\d+)\s*\}\}/g, (m, n: string) =>
    Number(n) === context.maxSteps ? "{{maxSteps}}" : m,
  );
  const unsupported: string[] = [];
  text = text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (m, expression: string) => {
    if (
      ["tools", "managedAgents", "instructions", "outputSchema", "stepNumber", "maxSteps"].includes(
        expression,
      )
    )
      return m;
    const mapped = placeholderOf[expression];
    if (mapped) return `{{${mapped}}}`;
    unsupported.push(`{{ ${expression} }}`);
    return m;
  });
  const statement = /\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/.exec(text);
  if (statement) unsupported.push(statement[0].length > 60 ? `${statement[0].slice(0, 57)}…` : statement[0]);
  if (unsupported.length) {
    return { ok: false, reason: `it uses Jinja that Troupe does not render: ${unsupported[0]}` };
  }
  text = text.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => raws[Number(i)] ?? "");
  return {
    ok: true,
    text,
    ...(instructions !== undefined ? { instructions } : {}),
    ...(outputSchema ? { outputSchema } : {}),
  };
}
