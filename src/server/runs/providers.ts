import "server-only";
import type { OutboundPolicy } from "~/agents/net/guarded-fetch";
import type { ResolvedSecret } from "~/agents/secrets";
import { env } from "~/env";
import { type InstallationKey, installationKeys } from "~/graph/key-binding";

/**
 * The installation's provider keys and the origins each may be sent to: OPENAI_API_KEY to
 * OPENAI_BASE_URL (or the OpenAI API), HF_TOKEN to the Hugging Face hub and router.
 */
const keyBindings: readonly InstallationKey[] = installationKeys({ openaiBaseUrl: env.OPENAI_BASE_URL });

/**
 * The installation's secrets an agent spec can name (after the team's own, which shadow them):
 * provider keys from the environment. No other variable is reachable through a spec.
 */
const environmentSecrets: Readonly<Record<string, string | undefined>> = {
  OPENAI_API_KEY: env.OPENAI_API_KEY,
  HF_TOKEN: env.HF_TOKEN,
};

/**
 * A secret a spec names, bound to the origins it was configured for and usable by models only,
 * or undefined when it is not set (or not a secret).
 */
export function environmentSecret(name: string): ResolvedSecret | undefined {
  const value = Object.hasOwn(environmentSecrets, name) ? environmentSecrets[name] : undefined;
  if (value === undefined) return undefined;
  const binding = keyBindings.find((key) => key.name === name);
  return { value, allowedOrigins: binding?.origins ?? [], modelsOnly: true };
}

/**
 * What requests made for users may reach (OUTBOUND_ALLOW), and the installation's own endpoints,
 * whose model clients are not filtered because the operator configured them.
 */
export function outboundPolicy(): OutboundPolicy {
  return {
    allow: env.OUTBOUND_ALLOW,
    trustedOrigins: keyBindings.flatMap((key) => key.origins),
  };
}

/**
 * Which model providers this installation can call, which secret names are set and where the
 * provider keys may be sent (shown in the UI and checked by the canvas's validation; never the
 * values). Kept apart from agent-deps.ts so the web bundle does not pull in the sandboxes.
 */
export function configuredProviders(): {
  openai: boolean;
  hf: boolean;
  openaiBaseUrl: string | null;
  secretNames: string[];
  installationKeys: InstallationKey[];
} {
  return {
    openai: env.OPENAI_API_KEY !== undefined || env.OPENAI_BASE_URL !== undefined,
    hf: env.HF_TOKEN !== undefined,
    openaiBaseUrl: env.OPENAI_BASE_URL ?? null,
    secretNames: Object.keys(environmentSecrets).filter((name) => environmentSecret(name) !== undefined),
    installationKeys: keyBindings.map((key) => ({ name: key.name, origins: [...key.origins] })),
  };
}
