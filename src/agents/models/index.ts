import type { ModelSpec } from "~/graph/agent-spec";
import { keyBindingProblem, modelOrigins, openaiDefaultBaseUrl, providerKeyName } from "~/graph/key-binding";
import { AgentConfigError } from "../errors";
import type { BoundSecret, OutboundGuard } from "../net/guarded-fetch";
import type { SecretResolver } from "../secrets";
import { HfInferenceModel } from "./hf-inference-model";
import type { Model } from "./model";
import { OpenAICompatibleModel } from "./openai-compatible-model";
import { ReplayModel } from "./replay-model";

export * from "./hf-inference-model";
export * from "./model";
export * from "./openai-compatible-model";
export * from "./recording-model";
export * from "./replay-model";
export * from "./retry";

export interface ModelDeps {
  resolveSecret: SecretResolver;
  /** Endpoints the guard does not trust (not the installation's) are reached through it. */
  outbound: OutboundGuard;
}

/** Time for one model request through the guard; the SDK's own per-attempt timeout is 10 min. */
const modelRequestTimeoutMs = 610_000;
/** Streamed completions are verbose (one JSON chunk per token): far above the tools' cap. */
const modelResponseMaxBytes = 64 * 1024 * 1024;

/**
 * The key a model sends and the fetch it sends it with. A model with no key secret uses its
 * provider's installation key only when every origin it talks to is within that key's binding;
 * a named key bound elsewhere is refused too. Requests go through the guarded fetch, which
 * re-checks the binding on every hop; endpoints the operator configured (trusted origins) are
 * reached whatever their address, any other origin only if it is public or allowed.
 */
async function modelTransport(
  spec: Exclude<ModelSpec, { provider: "replay" }>,
  deps: ModelDeps,
): Promise<{ apiKey: string | undefined; fetch: typeof globalThis.fetch }> {
  const keyName = spec.apiKeySecret ?? providerKeyName[spec.provider];
  const secret = await deps.resolveSecret(keyName);
  if (spec.apiKeySecret && secret === undefined) {
    throw new AgentConfigError(`Secret '${spec.apiKeySecret}' is not set`);
  }
  const targets = modelOrigins(spec);
  if (secret?.allowedOrigins) {
    const problem = keyBindingProblem({
      keyName,
      named: spec.apiKeySecret !== undefined,
      allowed: secret.allowedOrigins,
      targets,
      installation: secret.modelsOnly === true,
    });
    if (problem) throw new AgentConfigError(problem);
  }
  const secrets: BoundSecret[] = secret ? [{ name: keyName, ...secret }] : [];
  return {
    apiKey: secret?.value,
    fetch: deps.outbound.fetch({
      secrets,
      reachTrustedOrigins: true,
      timeoutMs: modelRequestTimeoutMs,
      maxResponseBytes: modelResponseMaxBytes,
    }),
  };
}

/** Build a model from its spec; keys are resolved by secret name, never read from the spec. */
export async function createModel(spec: ModelSpec, deps: ModelDeps): Promise<Model> {
  switch (spec.provider) {
    case "openai": {
      const transport = await modelTransport(spec, deps);
      return new OpenAICompatibleModel({
        model: spec.model,
        apiKey: transport.apiKey,
        baseUrl: spec.baseUrl ?? openaiDefaultBaseUrl,
        headers: spec.headers,
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        fetch: transport.fetch,
      });
    }
    case "hf": {
      const transport = await modelTransport(spec, deps);
      return new HfInferenceModel({
        model: spec.model,
        token: transport.apiKey,
        provider: spec.hfProvider,
        endpointUrl: spec.endpointUrl,
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        fetch: transport.fetch,
      });
    }
    case "replay":
      return new ReplayModel(spec.transcript, { modelId: `replay:${spec.model}`, latencyMs: spec.latencyMs });
  }
}
