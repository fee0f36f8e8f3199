import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildAgent } from "~/agents/build-agent";
import type { RunEvent } from "~/agents/events";
import { createExecutor } from "~/agents/executors";
import { stringify } from "~/agents/memory";
import type { Model } from "~/agents/models/model";
import { RecordingModel } from "~/agents/models/recording-model";
import { ReplayModel } from "~/agents/models/replay-model";
import { env } from "~/env";
import type { AgentSpec, ExecutorSpec, TranscriptItem } from "~/graph/agent-spec";
import { agentSpecSchema, transcriptItemSchema } from "~/graph/agent-spec";
import { withInstallationBaseUrl } from "~/graph/key-binding";
import { executorHostFromEnv } from "~/server/runs/executor-host";
import { cliSecrets } from "./cli-host";
import { readJsonFile } from "./read-json-file";

/**
 * `npm run agent -- <agent.json> "<task>" [--model replay:<transcript.json>] [--executor pyodide|docker|local]
 *  [--authorized-imports a,b|'*'] [--json] [--record <transcript.json>] [--secret NAME=value]...`
 *
 * Runs an agent described by an AgentSpec JSON file (src/agents/README.md) and prints its event
 * stream readably, or one JSON event per line with --json, ending with the full result.
 * Secrets come from --secret flags (sent wherever the spec points: the person running the CLI
 * typed them), then OPENAI_API_KEY / HF_TOKEN through ~/env, which stay with their hosts as on the
 * server. Requests for tools and foreign model endpoints follow OUTBOUND_ALLOW.
 */

const usage = `usage: npm run agent -- <agent.json> "<task>" [--model replay:<transcript.json>] [--executor pyodide|docker|local] [--authorized-imports a,b|'*'] [--json] [--record <out.json>] [--secret NAME=value]`;

function readTranscript(path: string): TranscriptItem[] {
  const raw = readJsonFile(path);
  if (!Array.isArray(raw)) throw new Error(`${path}: a transcript is a JSON array`);
  return raw.map((item, index) => {
    const parsed = transcriptItemSchema.safeParse(item);
    if (!parsed.success) throw new Error(`${path}: item ${index} is not a transcript item`);
    return parsed.data;
  });
}

const short = (value: unknown, max = 400) => {
  const text = stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/** One readable line (or block) per event, indented by managed-agent depth. */
export function formatEvent(event: RunEvent): string | undefined {
  const pad = "  ".repeat(Math.max(0, event.agentPath.length - 1));
  const who = event.agentPath.join("/");
  const tokens = event.tokenUsage
    ? ` [${event.tokenUsage.inputTokens} in / ${event.tokenUsage.outputTokens} out]`
    : "";
  const indent = (text: string) => text.replace(/^/gm, `${pad}  │ `);
  switch (event.type) {
    case "run_started":
      return `${pad}▶ ${who} (${event.agentType}, ${event.modelId}) task: ${short(event.task, 200)}`;
    case "step_started":
      return `${pad}— step ${event.stepNumber}`;
    case "model_delta":
      return undefined;
    case "model_output":
      return `${pad}  model${tokens} ${event.durationMs.toFixed(0)} ms${event.content ? `\n${indent(event.content.trim())}` : ""}`;
    case "model_retry":
      return `${pad}  ↻ retry ${event.attempt} in ${event.delayMs.toFixed(0)} ms (${event.status ?? "network"}: ${short(event.message, 120)})`;
    case "tool_call":
      return `${pad}  ⚙ ${event.toolCall.name}(${short(event.toolCall.arguments, 200)})`;
    case "code_action":
      return `${pad}  code:\n${indent(event.code)}`;
    case "observation":
      if (!event.observation.trim()) return undefined;
      return `${pad}  observation:\n${indent(short(event.observation, 2000))}`;
    case "error":
      return `${pad}  ✗ ${event.error.type}: ${short(event.error.message, 500)}`;
    case "plan":
      return `${pad}  plan${tokens}:\n${indent(event.step.plan)}`;
    case "step_finished":
      return undefined;
    case "final_answer":
      return `${pad}✔ ${who} final answer: ${short(event.output, 2000)}`;
    case "user_input_request":
      return `${pad}? ${event.question}`;
    case "run_finished":
      return `${pad}■ ${who} ${event.state} after ${event.stepCount} steps, ${event.timing.durationMs} ms${tokens}`;
  }
}

/** Every agent of the tree with these additional authorized imports (`--authorized-imports`), or as is. */
function withAuthorizedImports(spec: AgentSpec, imports: string[] | undefined): AgentSpec {
  if (imports === undefined) return spec;
  return {
    ...spec,
    additionalAuthorizedImports: imports,
    managedAgents: spec.managedAgents.map((managed) => withAuthorizedImports(managed, imports)),
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      executor: { type: "string" },
      "authorized-imports": { type: "string" },
      json: { type: "boolean", default: false },
      record: { type: "string" },
      secret: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [specPath, task] = positionals;
  if (values.help || !specPath || !task) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const { resolveSecret, outbound } = cliSecrets(values.secret ?? []);

  let modelOverride: Model | undefined;
  if (values.model) {
    if (!values.model.startsWith("replay:")) throw new Error("--model accepts replay:<transcript.json>");
    const path = values.model.slice("replay:".length);
    modelOverride = new ReplayModel(readTranscript(path), { modelId: `replay:${path}` });
  }
  const executorKind = values.executor as ExecutorSpec["kind"] | undefined;
  if (executorKind && !["pyodide", "docker", "local"].includes(executorKind)) {
    throw new Error("--executor must be pyodide, docker or local");
  }
  if (executorKind === "local" && !values.json) {
    console.error("warning: the local executor runs model-written Python unsandboxed on this machine");
  }
  const recorded: TranscriptItem[] = [];
  const raw: unknown = readJsonFile(specPath);
  const parsed = agentSpecSchema.safeParse(raw);
  // A spec that does not parse goes to buildAgent as it is, which names its problems.
  const imports = values["authorized-imports"]
    ?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const spec = parsed.success
    ? withAuthorizedImports(withInstallationBaseUrl(parsed.data, env.OPENAI_BASE_URL), imports)
    : (raw as never);
  const agent = await buildAgent(spec, {
    resolveSecret,
    outbound,
    createExecutor: (spec, options) => {
      const kind = executorKind ?? spec.kind ?? env.SANDBOX_EXECUTOR;
      return createExecutor(
        { ...spec, kind },
        {
          ...executorHostFromEnv(env),
          ...options,
          // Choosing --executor local on the command line is the explicit opt-in.
          allowLocal: executorKind === "local",
        },
      );
    },
    modelOverride,
    wrapModel: values.record ? (model) => new RecordingModel(model, recorded) : undefined,
  });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const run = agent.run(task, { stream: true, signal: controller.signal });
  for await (const event of run) {
    if (values.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
    } else {
      const line = formatEvent(event);
      if (line !== undefined) process.stdout.write(`${line}\n`);
    }
  }
  const result = await run.result;
  await agent.close();
  if (values.record) {
    writeFileSync(values.record, `${JSON.stringify(recorded, null, 2)}\n`);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ type: "result", ...result })}\n`);
  } else {
    const usageLine = `${result.tokenUsage.inputTokens} in / ${result.tokenUsage.outputTokens} out`;
    process.stdout.write(
      `\nResult (${result.state}, ${result.timing.durationMs} ms, ${usageLine} tokens):\n${stringify(result.output)}\n`,
    );
  }
  return result.state === "success" || result.state === "max_steps" ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
