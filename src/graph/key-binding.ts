import type { AgentSpec, ModelSpec } from "./agent-spec";

/**
 * Keys stay with their hosts. An installation key (a provider key from the server's environment)
 * is sent only to the origins it was configured for: OPENAI_API_KEY to OPENAI_BASE_URL (or the
 * OpenAI API), HF_TOKEN to the Hugging Face hub and router. A model pointing anywhere else must
 * name a secret of its own, and tools never send installation keys. Validation (canvas and run
 * start) and the engine share these rules and messages. Browser-safe: plain data and URL.
 */

/** Where OPENAI_API_KEY goes when OPENAI_BASE_URL is not set (also the SDK's default). */
export const openaiDefaultBaseUrl = "https://api.openai.com/v1";

/** The Hugging Face hub (provider mapping) and router (inference): where HF_TOKEN goes. */
export const huggingFaceOrigins: readonly string[] = [
  "https://huggingface.co",
  "https://router.huggingface.co",
];

/** A provider key from the server's environment and the origins it may be sent to (no value). */
export interface InstallationKey {
  name: string;
  origins: string[];
}

/** The installation's provider keys with their bindings, given the operator's OPENAI_BASE_URL. */
export function installationKeys(config: { openaiBaseUrl?: string | null }): InstallationKey[] {
  return [
    { name: "OPENAI_API_KEY", origins: [new URL(config.openaiBaseUrl || openaiDefaultBaseUrl).origin] },
    { name: "HF_TOKEN", origins: [...huggingFaceOrigins] },
  ];
}

/** The secret a model sends when it names none: its provider's installation key. */
export const providerKeyName = { openai: "OPENAI_API_KEY", hf: "HF_TOKEN" } as const;

/** The model fields that decide where it connects (a canvas node's data or an engine spec). */
export type ModelEndpoint =
  | { provider: "openai"; baseUrl?: string; apiKeySecret?: string }
  | { provider: "hf"; endpointUrl?: string; apiKeySecret?: string };

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The origins a model connects to. A model with no base URL uses the installation's
 * (`installationOpenaiUrl`: OPENAI_BASE_URL or the OpenAI API); an HF model with no endpoint URL
 * uses the hub and router. An unparsable URL yields no origin (validation reports it).
 */
export function modelOrigins(model: ModelEndpoint, installationOpenaiUrl = openaiDefaultBaseUrl): string[] {
  if (model.provider === "openai") {
    const origin = originOf(model.baseUrl || installationOpenaiUrl);
    return origin ? [origin] : [];
  }
  if (!model.endpointUrl) return [...huggingFaceOrigins];
  const origin = originOf(model.endpointUrl);
  return origin ? [origin] : [];
}

/** Origins as people read them: "api.openai.com", "127.0.0.1:11434". */
export function describeOrigins(origins: readonly string[]): string {
  const hosts = origins.map((origin) => {
    try {
      return new URL(origin).host;
    } catch {
      return origin;
    }
  });
  return [...new Set(hosts)].join(", ");
}

/**
 * Why a model may not send `keyName` to `targets` when the key is bound to `allowed`, or
 * undefined when every target is allowed. `named`: the model names the key (otherwise it would
 * fall back to its provider's key).
 */
export function keyBindingProblem(options: {
  keyName: string;
  named: boolean;
  allowed: readonly string[];
  targets: readonly string[];
  /** A team secret bound to a host (false) rather than an installation key (default). */
  installation?: boolean;
}): string | undefined {
  const foreign = options.targets.filter((origin) => !options.allowed.includes(origin));
  if (foreign.length === 0) return undefined;
  const where = describeOrigins(foreign);
  const home = describeOrigins(options.allowed);
  if (options.installation === false) {
    return `The secret ${options.keyName} may only be sent to ${home}, not to ${where}`;
  }
  return options.named
    ? `${options.keyName} is this server's key for ${home} and is not sent to ${where}: this model needs a secret of its own`
    : `A model at ${where} must name its own API key secret: this server's ${options.keyName} is only sent to ${home}`;
}

/** A team secret as validation sees it: its name and the one host it may be sent to (null: any). */
export interface TeamSecretBinding {
  name: string;
  allowedHost: string | null;
}

/** The origins a team secret bound to `host` (`api.example.com`, `host:port`) may go to: https and http. */
export function hostOrigins(host: string): string[] {
  return [...new Set([new URL(`https://${host}`).origin, new URL(`http://${host}`).origin])];
}

/**
 * The one origin an HTTP tool's URL template reaches, or undefined when a `{placeholder}` fills
 * its scheme, host or port (or it is not a URL): a tool sends its secrets only to this origin.
 */
export function httpToolOrigin(urlTemplate: string): string | undefined {
  const authority = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(urlTemplate)?.[1];
  if (!authority || /[{}]/.test(authority)) return undefined;
  return originOf(urlTemplate.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, "x"));
}

/** Why a model node or spec may not use its key, given the installation's keys; undefined if it may. */
export function modelKeyProblem(model: ModelEndpoint, keys: readonly InstallationKey[]): string | undefined {
  const keyName = model.apiKeySecret || providerKeyName[model.provider];
  const key = keys.find((candidate) => candidate.name === keyName);
  if (!key) return undefined;
  const openai = keys.find((candidate) => candidate.name === providerKeyName.openai)?.origins[0];
  return keyBindingProblem({
    keyName,
    named: Boolean(model.apiKeySecret),
    allowed: key.origins,
    targets: modelOrigins(model, openai),
  });
}

/** The refusal for a tool (HTTP, speech_to_text, MCP) that names an installation key. */
export function toolKeyMessage(keyName: string, tool: string): string {
  return `${tool} cannot send ${keyName}: this server's provider keys are only sent by models to their own endpoints`;
}

/**
 * An OpenAI-compatible model without a base URL gets the installation's (OPENAI_BASE_URL), so the
 * engine, which reads no environment, sends it where the operator configured.
 */
export function withInstallationModel(model: ModelSpec, openaiBaseUrl: string | undefined): ModelSpec {
  return openaiBaseUrl && model.provider === "openai" && !model.baseUrl
    ? { ...model, baseUrl: openaiBaseUrl }
    : model;
}

/** `withInstallationModel` for every agent of a tree. */
export function withInstallationBaseUrl(spec: AgentSpec, openaiBaseUrl: string | undefined): AgentSpec {
  return {
    ...spec,
    model: withInstallationModel(spec.model, openaiBaseUrl),
    managedAgents: spec.managedAgents.map((child) => withInstallationBaseUrl(child, openaiBaseUrl)),
  };
}
