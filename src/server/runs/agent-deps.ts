import type { BuildAgentDeps } from "~/agents";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { env } from "~/env";
import type { AgentSpec } from "~/graph/agent-spec";

/**
 * Provider keys the engine may ask for by name. Until team secrets exist they come from the
 * environment; no other variable is reachable through an agent spec.
 */
const ENV_SECRETS: Record<string, string | undefined> = {
  OPENAI_API_KEY: env.OPENAI_API_KEY,
  HF_TOKEN: env.HF_TOKEN,
};

/** `unix:///run/podman/podman.sock` or a bare path → socket path; `tcp://host:port` → host and port. */
function dockerTarget(): { dockerSocketPath?: string; dockerHost?: string; dockerPort?: number } {
  const value = env.DOCKER_HOST;
  if (!value) return {};
  if (value.startsWith("unix://")) return { dockerSocketPath: value.slice("unix://".length) };
  if (value.startsWith("tcp://")) {
    const url = new URL(value.replace(/^tcp:/, "http:"));
    return { dockerHost: url.hostname, dockerPort: Number(url.port || 2375) };
  }
  return { dockerSocketPath: value };
}

/**
 * The engine's host dependencies in a worker: secrets from the environment, sandboxes chosen by
 * the agent spec (Pyodide from a warm pool by default; the local executor only when
 * ALLOW_LOCAL_EXECUTOR is set).
 */
export function createAgentDeps(): { deps: BuildAgentDeps; close(): Promise<void> } {
  const pool = env.PYODIDE_POOL_SIZE > 0 ? new PyodidePool({ size: env.PYODIDE_POOL_SIZE }) : undefined;
  const deps: BuildAgentDeps = {
    resolveSecret: async (name) => ENV_SECRETS[name],
    // The dashboard shows model text as it is generated.
    streamOutputs: true,
    createExecutor: (spec, options) =>
      createExecutor(spec, {
        ...options,
        allowLocal: env.ALLOW_LOCAL_EXECUTOR,
        pyodidePool: pool,
        dockerImage: env.SANDBOX_IMAGE,
        ...dockerTarget(),
      }),
  };
  return { deps, close: async () => pool?.close() };
}

/**
 * Fill installation-wide provider defaults into a spec before it runs: an OpenAI-compatible model
 * with no base URL uses OPENAI_BASE_URL when that is set (a local Ollama or vLLM, a proxy).
 */
export function withProviderDefaults(spec: AgentSpec): AgentSpec {
  const baseUrl = env.OPENAI_BASE_URL;
  const model =
    baseUrl && spec.model.provider === "openai" && !spec.model.baseUrl
      ? { ...spec.model, baseUrl }
      : spec.model;
  return { ...spec, model, managedAgents: spec.managedAgents.map(withProviderDefaults) };
}
