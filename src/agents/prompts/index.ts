import { managedAgentsFragment } from "~/graph/prompt-defaults";
import { renderPromptTemplate } from "~/graph/prompt-templates";

/**
 * The engine's prompt texts live in `src/graph/prompt-defaults.ts` (the inspector shows them as
 * defaults) and agents may override them (`promptTemplates`, see `src/graph/prompt-templates.ts`).
 * This module renders the one fragment that is not a template of its own: the managed-agents block
 * that fills `{{managedAgents}}`.
 */
export function renderManagedAgentsBlock(agents: string): string {
  return renderPromptTemplate(managedAgentsFragment, { agents });
}
