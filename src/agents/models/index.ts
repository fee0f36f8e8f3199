import type { ModelSpec } from "~/graph/agent-spec";
import { AgentConfigError } from "../errors";
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
  resolveSecret(name: string): Promise<string | undefined>;
  fetch?: typeof globalThis.fetch;
}

async function secret(
  deps: ModelDeps,
  name: string | undefined,
  fallback: string,
): Promise<string | undefined> {
  const value = await deps.resolveSecret(name ?? fallback);
  if (name && value === undefined) throw new AgentConfigError(`Secret '${name}' is not set`);
  return value;
}

/** Build a model from its spec; keys are resolved by secret name, never read from the spec. */
export async function createModel(spec: ModelSpec, deps: ModelDeps): Promise<Model> {
  switch (spec.provider) {
    case "openai":
      return new OpenAICompatibleModel({
        model: spec.model,
        apiKey: await secret(deps, spec.apiKeySecret, "OPENAI_API_KEY"),
        baseUrl: spec.baseUrl,
        headers: spec.headers,
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        fetch: deps.fetch,
      });
    case "hf":
      return new HfInferenceModel({
        model: spec.model,
        token: await secret(deps, spec.apiKeySecret, "HF_TOKEN"),
        provider: spec.hfProvider,
        endpointUrl: spec.endpointUrl,
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        fetch: deps.fetch,
      });
    case "replay":
      return new ReplayModel(spec.transcript, { modelId: `replay:${spec.model}`, latencyMs: spec.latencyMs });
  }
}
