import {
  type AgentSpec,
  type AgentSpecInput,
  agentSpecSchema,
  type ExecutorSpec,
  type ToolSpec,
} from "~/graph/agent-spec";
import { httpToolOrigin, toolKeyMessage } from "~/graph/key-binding";
import { type PromptTemplates, promptTemplateProblems } from "~/graph/prompt-templates";
import { CodeAgent } from "./code-agent";
import { AgentConfigError } from "./errors";
import type { ExecutorOptions, PythonExecutor } from "./executors/python-executor";
import { buildFinalAnswerChecks } from "./final-answer-checks";
import { McpConnections, type McpHostOptions, type McpServerToolsDeps, mcpServerTools } from "./mcp";
import { createModel } from "./models";
import type { Model } from "./models/model";
import type { MultiStepAgent } from "./multi-step-agent";
import {
  type BoundSecret,
  type OutboundGuard,
  type OutboundPolicy,
  outboundGuardFor,
} from "./net/guarded-fetch";
import type { ResolvedSecret, SecretResolver } from "./secrets";
import { ToolCallingAgent } from "./tool-calling-agent";
import { HttpTool } from "./tools/http-tool";
import { PythonInterpreterTool } from "./tools/python-interpreter-tool";
import { PythonSourceTool } from "./tools/python-source-tool";
import { SpeechToTextTool } from "./tools/speech-to-text-tool";
import type { Tool, ToolInput } from "./tools/tool";
import { UserInputTool } from "./tools/user-input-tool";
import { VisitWebpageTool } from "./tools/visit-webpage-tool";
import { DuckDuckGoHtmlBackend, type WebSearchBackend, WebSearchTool } from "./tools/web-search-tool";

/** What the engine needs from its host to build agents; nothing is read from the environment. */
export interface BuildAgentDeps {
  /** A secret's value and binding by name (see ./secrets); keys are never read from the spec. */
  resolveSecret: SecretResolver;
  /** Create a sandbox; the caller decides which transports are allowed. */
  createExecutor(executorSpec: ExecutorSpec, options: ExecutorOptions): Promise<PythonExecutor>;
  /**
   * What tools and foreign model endpoints may reach (./net/guarded-fetch). Without it, only
   * public addresses. Pass the same object for every build to share one connection pool.
   */
  outbound?: OutboundPolicy;
  webSearchBackend?: WebSearchBackend;
  /** Use this model for every agent of the tree instead of their specs (e.g. `--model replay:...`). */
  modelOverride?: Model;
  /** Stream model text as `model_delta` events (live dashboards); off by default. */
  streamOutputs?: boolean;
  /** Wrap every built model (e.g. in a RecordingModel to export a transcript). */
  wrapModel?: (model: Model) => Model;
  /** Stdio MCP servers: the commands they may start and their PATH (none: stdio is refused). */
  mcp?: McpHostOptions;
}

/** The spec's prompt-template overrides, refused with the template and placeholder when the engine cannot fill them. */
function checkedPromptTemplates(spec: AgentSpec): PromptTemplates | undefined {
  const problem = promptTemplateProblems(spec.type, spec.promptTemplates)[0];
  if (problem) throw new AgentConfigError(`Agent '${spec.name}': ${problem.message}`);
  return spec.promptTemplates;
}

const defaultExecutor: ExecutorSpec = { kind: "pyodide" };

/** Largest audio speech_to_text downloads (the transcription APIs take up to 25 MB). */
const audioMaxBytes = 25 * 1024 * 1024;

/** A secret a tool sends: set, and not one of the installation's keys (those are for models). */
async function toolSecret(
  deps: Pick<BuildAgentDeps, "resolveSecret">,
  name: string,
  tool: string,
): Promise<BoundSecret> {
  const secret: ResolvedSecret | undefined = await deps.resolveSecret(name);
  if (secret === undefined) throw new AgentConfigError(`Secret '${name}' for ${tool} is not set`);
  if (secret.modelsOnly) throw new AgentConfigError(toolKeyMessage(name, tool));
  return { name, ...secret };
}

async function buildTool(
  spec: ToolSpec,
  agent: AgentSpec,
  deps: BuildAgentDeps,
  guard: OutboundGuard,
  executorFactory: () => Promise<PythonExecutor>,
): Promise<Tool | undefined> {
  const config = (spec.kind === "builtin" ? spec.config : undefined) ?? {};
  const str = (key: string) => (typeof config[key] === "string" ? (config[key] as string) : undefined);
  const num = (key: string) => (typeof config[key] === "number" ? (config[key] as number) : undefined);
  switch (spec.kind) {
    case "builtin":
      switch (spec.name) {
        case "final_answer":
          return undefined;
        case "web_search":
          return new WebSearchTool(
            deps.webSearchBackend ??
              new DuckDuckGoHtmlBackend({ fetch: guard.fetch(), baseUrl: str("baseUrl") }),
            num("maxResults"),
          );
        case "visit_webpage":
          return new VisitWebpageTool({
            fetch: guard.fetch(),
            maxChars: num("maxChars"),
            timeoutMs: num("timeoutMs"),
          });
        case "python_interpreter":
          return new PythonInterpreterTool(
            executorFactory,
            agent.executor?.timeoutSeconds && agent.executor.timeoutSeconds * 1000,
          );
        case "user_input":
          return new UserInputTool();
        case "speech_to_text": {
          // Never an installation key: the tool sends the key it names, or none.
          const keyName = str("apiKeySecret");
          const secret = keyName ? await toolSecret(deps, keyName, "speech_to_text") : undefined;
          return new SpeechToTextTool({
            apiKey: secret?.value,
            baseUrl: str("baseUrl"),
            model: str("model"),
            fetch: guard.fetch({ secrets: secret ? [secret] : [] }),
            downloadFetch: guard.fetch({ maxResponseBytes: audioMaxBytes }),
          });
        }
      }
      return undefined;
    case "python":
      // Code agents define Python tools in their own sandbox (see buildAgent).
      if (agent.type === "code") return undefined;
      return new PythonSourceTool(spec, executorFactory);
    case "http": {
      const headers: Record<string, string> = { ...spec.headers };
      const query: Record<string, string> = {};
      const secrets: BoundSecret[] = [];
      // A secret without a binding of its own goes only to the tool's origin (never where a redirect points).
      const origin = httpToolOrigin(spec.url);
      const bound = async (secretName: string) => {
        const secret = await toolSecret(deps, secretName, `Tool '${spec.name}'`);
        const withOrigin = {
          ...secret,
          allowedOrigins: secret.allowedOrigins ?? (origin ? [origin] : undefined),
        };
        secrets.push(withOrigin);
        return withOrigin.value;
      };
      for (const [header, secretName] of Object.entries(spec.secretHeaders ?? {})) {
        headers[header] = await bound(secretName);
      }
      const auth = spec.auth;
      if (auth?.type === "bearer") headers.authorization = `Bearer ${await bound(auth.secret)}`;
      else if (auth?.type === "basic") {
        const value = await bound(auth.secret);
        const encoded = Buffer.from(value, "utf8").toString("base64");
        secrets.push({ name: auth.secret, value: encoded, allowedOrigins: secrets.at(-1)?.allowedOrigins });
        headers.authorization = `Basic ${encoded}`;
      } else if (auth?.type === "apiKey") {
        if (auth.in === "header") headers[auth.name] = await bound(auth.secret);
        else query[auth.name] = await bound(auth.secret);
      }
      return new HttpTool({
        name: spec.name,
        description: spec.description,
        method: spec.method,
        url: spec.url,
        headers,
        query,
        inputs: spec.inputs as Record<string, ToolInput>,
        params: spec.params,
        outputType: spec.outputType,
        fetch: guard.fetch({ secrets }),
      });
    }
    case "mcp":
      // One spec, many tools: built by `build` through the run's MCP sessions.
      return undefined;
  }
}

/** What an MCP server's tools need from the build: secrets (never installation keys), the guarded fetch. */
export function mcpDeps(
  deps: Pick<BuildAgentDeps, "resolveSecret" | "outbound" | "mcp">,
  server: string,
): McpServerToolsDeps {
  const guard = outboundGuardFor(deps.outbound);
  return {
    host: deps.mcp,
    secret: (name) => toolSecret(deps, name, `MCP server '${server}'`),
    fetch: (options) => guard.fetch(options),
  };
}

/**
 * Build an agent tree from an AgentSpec (what the canvas compiles to and `npm run agent` reads).
 * The worker then calls `agent.run(task, { stream: true, signal })` and `agent.close()` when done.
 */
export async function buildAgent(
  input: AgentSpecInput | AgentSpec,
  deps: BuildAgentDeps,
): Promise<MultiStepAgent> {
  const parsed = agentSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new AgentConfigError(`Invalid agent spec: ${issues}`);
  }
  // One session per MCP server for the whole tree; a build that fails half-way closes those it opened.
  const connections = new McpConnections();
  try {
    return await build(parsed.data, deps, outboundGuardFor(deps.outbound), [], connections);
  } catch (error) {
    await connections.closeAll();
    throw error;
  }
}

async function build(
  spec: AgentSpec,
  deps: BuildAgentDeps,
  guard: OutboundGuard,
  ancestors: string[],
  connections: McpConnections,
): Promise<MultiStepAgent> {
  if (ancestors.includes(spec.name)) {
    throw new AgentConfigError(
      `Agent '${spec.name}' manages itself (cycle: ${[...ancestors, spec.name].join(" → ")})`,
    );
  }
  const executorSpec = spec.executor ?? defaultExecutor;
  const executorOptions: ExecutorOptions = {
    authorizedImports: spec.additionalAuthorizedImports,
    ...(executorSpec.timeoutSeconds ? { timeoutMs: executorSpec.timeoutSeconds * 1000 } : {}),
    ...(executorSpec.memoryMb ? { memoryMb: executorSpec.memoryMb } : {}),
  };
  const executorFactory = () => deps.createExecutor(executorSpec, executorOptions);
  const built =
    deps.modelOverride ??
    (await createModel(spec.model, { resolveSecret: deps.resolveSecret, outbound: guard }));
  const model = deps.wrapModel ? deps.wrapModel(built) : built;
  const toolSpecs: ToolSpec[] = [...spec.tools];
  if (spec.addBaseTools) {
    const base: ("web_search" | "visit_webpage" | "python_interpreter")[] = [
      "web_search",
      "visit_webpage",
      ...(spec.type === "toolCalling" ? (["python_interpreter"] as const) : []),
    ];
    for (const name of base) {
      if (!toolSpecs.some((tool) => tool.kind === "builtin" && tool.name === name))
        toolSpecs.push({ kind: "builtin", name });
    }
  }
  const tools: Tool[] = [];
  for (const toolSpec of toolSpecs) {
    if (toolSpec.kind === "mcp") {
      tools.push(...(await mcpServerTools(toolSpec, connections, mcpDeps(deps, toolSpec.name))));
      continue;
    }
    const tool = await buildTool(toolSpec, spec, deps, guard, executorFactory);
    if (tool) tools.push(tool);
  }
  const managedAgents = await Promise.all(
    spec.managedAgents.map((child) => build(child, deps, guard, [...ancestors, spec.name], connections)),
  );
  // Python checks run in a sandbox like the agent's (same kind and limits), never in its own.
  const finalAnswerChecks = buildFinalAnswerChecks(spec.finalAnswerChecks ?? [], executorFactory);
  const common = {
    model,
    tools,
    managedAgents,
    name: spec.name,
    description: spec.description,
    instructions: spec.instructions,
    maxSteps: spec.maxSteps,
    planningInterval: spec.planningInterval,
    outputSchema: spec.outputSchema,
    finalAnswerChecks: finalAnswerChecks.checks,
    resources: finalAnswerChecks.python ? [finalAnswerChecks.python] : [],
    streamOutputs: deps.streamOutputs,
    promptTemplates: checkedPromptTemplates(spec),
  };
  if (spec.type === "toolCalling") return new ToolCallingAgent(common);
  return new CodeAgent({
    ...common,
    createExecutor: executorFactory,
    additionalAuthorizedImports: spec.additionalAuthorizedImports,
    executorTimeoutMs: executorSpec.timeoutSeconds ? executorSpec.timeoutSeconds * 1000 : undefined,
    pythonTools: spec.tools.flatMap((tool) =>
      tool.kind === "python" ? [{ name: tool.name, source: tool.source, description: tool.description }] : [],
    ),
  });
}
