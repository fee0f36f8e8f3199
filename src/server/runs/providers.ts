import { env } from "~/env";

/**
 * Which model providers this installation can call (shown in the UI; never the values). Kept apart
 * from agent-deps.ts so the web bundle does not pull in the sandboxes.
 */
export function configuredProviders(): { openai: boolean; hf: boolean; openaiBaseUrl: string | null } {
  return {
    openai: env.OPENAI_API_KEY !== undefined || env.OPENAI_BASE_URL !== undefined,
    hf: env.HF_TOKEN !== undefined,
    openaiBaseUrl: env.OPENAI_BASE_URL ?? null,
  };
}
