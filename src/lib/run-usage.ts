/**
 * Token and cost accounting of runs, shared by the worker (run totals) and the browser (live counters):
 * one pure implementation, no server imports, so the dashboard computes exactly what the store saves.
 */
import type { RunEvent } from "~/agents/events";
import { dictionary } from "./dictionary";

/** USD per million tokens. */
export interface ModelPrice {
  model: string;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

/**
 * List prices of common models (USD per million tokens, standard tier). Teams override or add
 * entries in settings; a model in neither list shows tokens and "price unknown".
 */
export const DEFAULT_MODEL_PRICES: readonly ModelPrice[] = [
  { model: "gpt-5", inputUsdPerMillion: 1.25, outputUsdPerMillion: 10 },
  { model: "gpt-5-mini", inputUsdPerMillion: 0.25, outputUsdPerMillion: 2 },
  { model: "gpt-5-nano", inputUsdPerMillion: 0.05, outputUsdPerMillion: 0.4 },
  { model: "gpt-4.1", inputUsdPerMillion: 2, outputUsdPerMillion: 8 },
  { model: "gpt-4.1-mini", inputUsdPerMillion: 0.4, outputUsdPerMillion: 1.6 },
  { model: "gpt-4.1-nano", inputUsdPerMillion: 0.1, outputUsdPerMillion: 0.4 },
  { model: "gpt-4o", inputUsdPerMillion: 2.5, outputUsdPerMillion: 10 },
  { model: "gpt-4o-mini", inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 },
  { model: "o3", inputUsdPerMillion: 2, outputUsdPerMillion: 8 },
  { model: "o4-mini", inputUsdPerMillion: 1.1, outputUsdPerMillion: 4.4 },
  { model: "claude-sonnet-4", inputUsdPerMillion: 3, outputUsdPerMillion: 15 },
  { model: "claude-opus-4", inputUsdPerMillion: 15, outputUsdPerMillion: 75 },
  { model: "claude-3-5-haiku", inputUsdPerMillion: 0.8, outputUsdPerMillion: 4 },
  { model: "meta-llama/Llama-3.3-70B-Instruct", inputUsdPerMillion: 0.88, outputUsdPerMillion: 0.88 },
  { model: "Qwen/Qwen2.5-Coder-32B-Instruct", inputUsdPerMillion: 0.8, outputUsdPerMillion: 0.8 },
  { model: "Qwen/Qwen2.5-72B-Instruct", inputUsdPerMillion: 1.2, outputUsdPerMillion: 1.2 },
  { model: "deepseek-ai/DeepSeek-V3", inputUsdPerMillion: 1.25, outputUsdPerMillion: 1.25 },
];

/** Team overrides first, then the defaults; exact id, then the id without a dated suffix. */
export function findPrice(model: string, teamPrices: readonly ModelPrice[] = []): ModelPrice | undefined {
  const candidates = [model, model.replace(/-\d{4}-\d{2}-\d{2}$/, ""), model.replace(/^replay:/, "")];
  for (const table of [teamPrices, DEFAULT_MODEL_PRICES]) {
    for (const id of candidates) {
      const hit = table.find((p) => p.model === id);
      if (hit) return hit;
    }
  }
  return undefined;
}

export interface UsageLine {
  inputTokens: number;
  outputTokens: number;
  /** null when some of these tokens are of a model with no known price. */
  costUsd: number | null;
}

export interface RunUsage {
  total: UsageLine;
  /** Keyed by agent path joined with "/"; prototype-free (see `dictionary`). */
  byAgent: Record<string, UsageLine & { model: string }>;
  /** Keyed by model id; prototype-free. */
  byModel: Record<string, UsageLine>;
}

export const emptyUsage = (): RunUsage => ({
  total: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  byAgent: dictionary(),
  byModel: dictionary(),
});

function add(line: UsageLine, input: number, output: number, cost: number | null): void {
  line.inputTokens += input;
  line.outputTokens += output;
  line.costUsd = line.costUsd === null || cost === null ? null : line.costUsd + cost;
}

/**
 * Fold events into token and cost totals per agent and per model. Tokens are counted from
 * `model_output` events (one per model call); the agent's model comes from its `run_started`.
 * Pure and incremental: call it batch by batch with the previous value. The previous value may come
 * from JSON or structuredClone (which give records a prototype): its records are made prototype-free
 * first, so an agent or model named `__proto__` or `constructor` is counted like any other.
 */
export function accumulateUsage(
  usage: RunUsage,
  events: readonly RunEvent[],
  teamPrices: readonly ModelPrice[] = [],
): RunUsage {
  usage.byAgent = dictionary(usage.byAgent);
  usage.byModel = dictionary(usage.byModel);
  for (const event of events) {
    const agentKey = event.agentPath.join("/");
    if (event.type === "run_started") {
      usage.byAgent[agentKey] ??= { model: event.modelId, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      continue;
    }
    if (event.type !== "model_output" || !event.tokenUsage) continue;
    const agent = usage.byAgent[agentKey] ?? {
      model: "unknown",
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
    usage.byAgent[agentKey] = agent;
    const { inputTokens, outputTokens } = event.tokenUsage;
    const price = findPrice(agent.model, teamPrices);
    const cost = price
      ? (inputTokens * price.inputUsdPerMillion + outputTokens * price.outputUsdPerMillion) / 1_000_000
      : null;
    add(agent, inputTokens, outputTokens, cost);
    const modelLine = usage.byModel[agent.model] ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    usage.byModel[agent.model] = modelLine;
    add(modelLine, inputTokens, outputTokens, cost);
    add(usage.total, inputTokens, outputTokens, cost);
  }
  return usage;
}
