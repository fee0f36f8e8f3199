"use client";

import { ChevronRight, RotateCcw } from "lucide-react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import {
  type AgentType,
  defaultPromptTemplate,
  type GraphIssue,
  getPromptTemplate,
  type PromptTemplateKey,
  type PromptTemplates,
  promptTemplateKeys,
  promptTemplatePlaceholders,
  setPromptTemplate,
} from "~/graph";

const labels: Record<PromptTemplateKey, string> = {
  system_prompt: "System prompt",
  "planning.initial_plan": "Planning: first plan",
  "planning.update_plan_pre_messages": "Planning: update, before the memory",
  "planning.update_plan_post_messages": "Planning: update, after the memory",
  "managed_agent.task": "Managed agent: task it receives",
  "managed_agent.report": "Managed agent: report to its manager",
  "final_answer.pre_messages": "Step limit: before the memory",
  "final_answer.post_messages": "Step limit: after the memory",
};

/**
 * The agent's prompt templates (smolagents' `prompt_templates`), collapsed by default. Each shows
 * the placeholders the engine fills there and the default text as its placeholder; typing makes an
 * override, "Reset" goes back to the default, "Edit the default" starts an override from it.
 */
export function PromptTemplatesSection({
  agentType,
  value,
  issues,
  readOnly,
  onChange,
}: {
  agentType: AgentType;
  value: PromptTemplates | undefined;
  issues: readonly GraphIssue[];
  readOnly: boolean;
  onChange: (next: PromptTemplates | undefined) => void;
}) {
  const overridden = promptTemplateKeys.filter((key) => getPromptTemplate(value, key) !== undefined).length;
  return (
    <details className="group mt-3 rounded-md border border-border" data-testid="prompt-templates">
      <summary className="flex cursor-pointer list-none items-center gap-1 px-2 py-1.5 text-xs font-medium">
        <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" />
        Prompt templates
        <span className="ml-auto font-normal text-muted-foreground">
          {overridden === 0 ? "defaults" : `${overridden} changed`}
        </span>
      </summary>
      <div className="space-y-3 border-t border-border p-2">
        {promptTemplateKeys.map((key) => {
          const override = getPromptTemplate(value, key);
          const fallback = defaultPromptTemplate(agentType, key);
          const placeholders = promptTemplatePlaceholders(agentType, key);
          const fieldIssues = issues.filter(
            (issue) => issue.path.slice(3).join(".") === `promptTemplates.${key}`,
          );
          const id = `prompt-${key}`;
          return (
            <div key={key} data-testid={`prompt-template-${key}`}>
              <div className="mb-1 flex items-center gap-1">
                <label htmlFor={id} className="text-xs font-medium">
                  {labels[key]}
                </label>
                {override !== undefined ? (
                  <Button
                    variant="ghost"
                    size="sm"
                    className="ml-auto h-6 px-1.5 text-xs"
                    disabled={readOnly}
                    onClick={() => onChange(setPromptTemplate(value, key, undefined))}
                    title="Use the default text again"
                  >
                    <RotateCcw /> Reset
                  </Button>
                ) : (
                  <Button
                    variant="ghost"
                    size="sm"
                    className="ml-auto h-6 px-1.5 text-xs"
                    disabled={readOnly}
                    onClick={() => onChange(setPromptTemplate(value, key, fallback))}
                    title="Copy the default text here to change it"
                  >
                    Edit the default
                  </Button>
                )}
              </div>
              <textarea
                id={id}
                data-testid={`prompt-input-${key}`}
                disabled={readOnly}
                rows={override !== undefined ? 6 : 3}
                spellCheck={false}
                className={cn(
                  "w-full rounded-md border border-input bg-background px-2 py-1 font-mono text-xs",
                  fieldIssues.length > 0 && "border-red-400",
                )}
                placeholder={fallback}
                value={override ?? ""}
                onChange={(e) =>
                  onChange(setPromptTemplate(value, key, e.target.value === "" ? undefined : e.target.value))
                }
              />
              <p className="text-[11px] text-muted-foreground">
                {placeholders.length
                  ? `Placeholders: ${placeholders.map((p) => `{{${p}}}`).join(" ")}`
                  : "No placeholders."}
                {override === undefined ? " Empty: the default (shown greyed) is used." : ""}
              </p>
              {fieldIssues.map((issue) => (
                <p key={issue.message} className="text-[11px] text-red-700" role="alert">
                  {issue.message}
                </p>
              ))}
            </div>
          );
        })}
      </div>
    </details>
  );
}
