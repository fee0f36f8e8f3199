import type { OutboundPolicy } from "~/agents/net/guarded-fetch";
import type { SecretResolver } from "~/agents/secrets";
import { env } from "~/env";
import { installationKeys } from "~/graph/key-binding";

/**
 * What the command lines that run agents (`npm run agent`, `npm run eval`) give the engine: secrets
 * typed as `--secret NAME=value` (sent wherever the spec points: the person running the command typed
 * them), then OPENAI_API_KEY / HF_TOKEN from the environment, which stay bound to their hosts as on
 * the server; and the outbound policy (OUTBOUND_ALLOW, the installation's model endpoints trusted).
 */
export function cliSecrets(pairs: readonly string[]): {
  resolveSecret: SecretResolver;
  outbound: OutboundPolicy;
} {
  const typed = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at > 0) typed.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const known: Record<string, string | undefined> = {
    OPENAI_API_KEY: env.OPENAI_API_KEY,
    HF_TOKEN: env.HF_TOKEN,
  };
  const bindings = installationKeys({ openaiBaseUrl: env.OPENAI_BASE_URL });
  const resolveSecret: SecretResolver = async (name) => {
    const value = typed.get(name);
    if (value !== undefined) return { value };
    const installation = Object.hasOwn(known, name) ? known[name] : undefined;
    if (installation === undefined) return undefined;
    const origins = bindings.find((key) => key.name === name)?.origins ?? [];
    return { value: installation, allowedOrigins: origins, modelsOnly: true };
  };
  return {
    resolveSecret,
    outbound: { allow: env.OUTBOUND_ALLOW, trustedOrigins: bindings.flatMap((key) => key.origins) },
  };
}
