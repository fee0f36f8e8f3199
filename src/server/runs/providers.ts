import { env } from "~/env";

/**
 * The secrets an agent spec can name, until team secrets exist: provider keys from the
 * environment. No other variable is reachable through a spec.
 */
const environmentSecrets: Readonly<Record<string, string | undefined>> = {
  OPENAI_API_KEY: env.OPENAI_API_KEY,
  HF_TOKEN: env.HF_TOKEN,
};

/** The value of a secret a spec names, or undefined when it is not set (or not a secret). */
export function environmentSecret(name: string): string | undefined {
  return Object.hasOwn(environmentSecrets, name) ? environmentSecrets[name] : undefined;
}

/**
 * Which model providers this installation can call and which secret names are set (shown in the
 * UI and checked by the canvas's validation; never the values). Kept apart from agent-deps.ts so
 * the web bundle does not pull in the sandboxes.
 */
export function configuredProviders(): {
  openai: boolean;
  hf: boolean;
  openaiBaseUrl: string | null;
  secretNames: string[];
} {
  return {
    openai: env.OPENAI_API_KEY !== undefined || env.OPENAI_BASE_URL !== undefined,
    hf: env.HF_TOKEN !== undefined,
    openaiBaseUrl: env.OPENAI_BASE_URL ?? null,
    secretNames: Object.keys(environmentSecrets).filter((name) => environmentSecret(name) !== undefined),
  };
}
