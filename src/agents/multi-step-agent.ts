import { z } from "zod";
import {
  effectivePromptTemplate,
  type PromptTemplateKey,
  type PromptTemplates,
  renderPromptTemplate,
} from "~/graph/prompt-templates";
import { AgentRun } from "./agent-run";
import {
  AgentCancelledError,
  AgentConfigError,
  AgentError,
  type AgentErrorJson,
  AgentGenerationError,
  AgentMaxStepsError,
  AgentToolExecutionError,
  isAbortError,
  toAgentError,
} from "./errors";
import type { RunEvent, RunResult, RunState } from "./events";
import { type ActionStep, AgentMemory, type MemoryStep, type PlanningStep, stringify } from "./memory";
import type { ChatMessage, GenerateOptions, Model, ModelOutput } from "./models/model";
import { renderManagedAgentsBlock } from "./prompts";
import { RunContext } from "./run-context";
import {
  inSpan,
  markSpanFailed,
  messagesForTrace,
  SpanKind,
  type TraceContent,
  traceAttributes,
  valueForTrace,
} from "./telemetry";
import { FinalAnswerTool } from "./tools/final-answer-tool";
import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tools/tool";

/**
 * A check on the final answer; return false or throw to reject it (the reason is fed back to the
 * model). Throwing an AgentError whose kind is not `user` fails the run instead (a broken sandbox).
 */
export type FinalAnswerCheck = (
  answer: unknown,
  memory: AgentMemory,
  context?: { signal: AbortSignal },
) => boolean | Promise<boolean>;
/** Called after every action and planning step. */
export type StepCallback = (step: ActionStep | PlanningStep, agent: MultiStepAgent) => void | Promise<void>;

export interface MultiStepAgentOptions {
  model: Model;
  tools?: Tool[];
  managedAgents?: MultiStepAgent[];
  /** Needed to be managed: the manager calls the agent by this name. */
  name?: string;
  description?: string;
  instructions?: string;
  maxSteps?: number;
  planningInterval?: number;
  finalAnswerChecks?: FinalAnswerCheck[];
  /** Closed with the agent (e.g. the sandbox its Python final-answer checks run in). */
  resources?: { close(): Promise<void> }[];
  stepCallbacks?: StepCallback[];
  /** Stream model text as `model_delta` events. */
  streamOutputs?: boolean;
  /** JSON Schema the final answer must satisfy (structured output). */
  outputSchema?: Record<string, unknown>;
  /** Keep each step's model input messages on the step (costly for long runs; off by default). */
  recordModelInputs?: boolean;
  /** Overrides of the default prompt templates (smolagents' `prompt_templates`). */
  promptTemplates?: PromptTemplates;
}

export interface RunOptions {
  /** Continue from the previous run's memory (multi-turn) when false. Default true. */
  reset?: boolean;
  /** Image data: or http(s) URLs given with the task. */
  images?: string[];
  /** Extra inputs: variables in a code agent's sandbox, listed in the task for both kinds. */
  additionalArgs?: Record<string, unknown>;
  maxSteps?: number;
  signal?: AbortSignal;
  runId?: string;
  /**
   * Record prompts, completions, tool arguments and results and code on the run's spans, each
   * through this function (the host's secret redactor). Omitted: spans carry no such text.
   */
  traceContent?: TraceContent;
}

/** What one (root or managed) run of one agent produced. */
interface AgentOutcome {
  output: unknown;
  state: RunState;
  steps: MemoryStep[];
  errors: AgentErrorJson[];
  timing: { startTime: number; endTime: number; durationMs: number };
  fatal: AgentError | undefined;
}

/** What a step implementation gets: the run, the agent's path, memory and the step being filled. */
export interface StepContext {
  run: RunContext;
  path: string[];
  memory: AgentMemory;
  step: ActionStep;
  toolContext: ToolContext;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The ReAct loop shared by both agent kinds (smolagents' MultiStepAgent): planning cadence, action
 * steps until a final answer or `maxSteps`, final-answer checks and structured-output validation,
 * the best-answer call at the step limit, step callbacks, events, token accounting and
 * cancellation. Subclasses supply `executeStep` and `systemPrompt` only.
 *
 * Streaming is the implementation: `run(task, { stream: true })` returns the event stream and the
 * blocking forms drain the same code path.
 */
export abstract class MultiStepAgent {
  abstract readonly agentType: "code" | "toolCalling";
  readonly name: string;
  readonly description: string;
  readonly model: Model;
  readonly tools: Map<string, Tool>;
  readonly managedAgents: Map<string, MultiStepAgent>;
  readonly maxSteps: number;
  readonly planningInterval: number | undefined;
  readonly instructions: string | undefined;
  readonly finalAnswerChecks: FinalAnswerCheck[];
  private readonly resources: { close(): Promise<void> }[];
  readonly stepCallbacks: StepCallback[];
  readonly streamOutputs: boolean;
  readonly outputSchema: Record<string, unknown> | undefined;
  readonly recordModelInputs: boolean;
  readonly promptTemplates: PromptTemplates | undefined;
  /** Memory of the last root run (kept for `reset: false`). */
  memory: AgentMemory;
  private outputValidator: z.ZodType | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private cachedSystemPrompt: string | undefined;

  constructor(options: MultiStepAgentOptions) {
    this.name = options.name ?? "agent";
    if (!identifier.test(this.name))
      throw new AgentConfigError(`Agent name '${this.name}' is not a Python identifier`);
    this.description = options.description ?? "";
    this.model = options.model;
    this.maxSteps = options.maxSteps ?? 20;
    this.planningInterval = options.planningInterval;
    this.instructions = options.instructions;
    this.finalAnswerChecks = options.finalAnswerChecks ?? [];
    this.resources = options.resources ?? [];
    this.stepCallbacks = options.stepCallbacks ?? [];
    this.streamOutputs = options.streamOutputs ?? false;
    this.outputSchema = options.outputSchema;
    this.recordModelInputs = options.recordModelInputs ?? false;
    this.promptTemplates = options.promptTemplates;
    if (this.outputSchema) {
      this.outputValidator = z.fromJSONSchema(this.outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    }
    this.tools = new Map();
    for (const tool of options.tools ?? []) {
      tool.validateDefinition();
      if (tool.name === "final_answer") continue;
      this.tools.set(tool.name, tool);
    }
    this.tools.set("final_answer", new FinalAnswerTool(this.outputSchema));
    this.managedAgents = new Map();
    for (const agent of options.managedAgents ?? []) {
      if (!agent.description) throw new AgentConfigError(`Managed agent '${agent.name}' needs a description`);
      if (this.tools.has(agent.name) || this.managedAgents.has(agent.name)) {
        throw new AgentConfigError(`Agent '${this.name}': the name '${agent.name}' is used twice`);
      }
      this.managedAgents.set(agent.name, agent);
    }
    this.memory = new AgentMemory("");
  }

  /** The system prompt with tools, managed agents and instructions rendered in (computed once). */
  get systemPrompt(): string {
    this.cachedSystemPrompt ??= this.initializeSystemPrompt();
    return this.cachedSystemPrompt;
  }

  protected abstract initializeSystemPrompt(): string;

  /** Render one prompt template: the agent's override, else the engine's default. */
  protected renderTemplate(key: PromptTemplateKey, values: Record<string, string | number>): string {
    return renderPromptTemplate(effectivePromptTemplate(this.agentType, this.promptTemplates, key), values);
  }

  /** What the manager reads back from this agent when it runs as a managed agent. */
  managedReport(output: unknown): string {
    return this.renderTemplate("managed_agent.report", { name: this.name, finalAnswer: stringify(output) });
  }

  /** Run one action step: call the model, act, fill `context.step`. Throw AgentErrors for model-caused failures. */
  protected abstract executeStep(context: StepContext): Promise<void>;

  /** Prepare per-run resources (a code agent's sandbox). */
  protected async beforeRun(_context: {
    run: RunContext;
    path: string[];
    additionalArgs?: Record<string, unknown>;
  }) {}

  /** Tools as the model sees them, managed agents included. */
  protected allTools(): Tool[] {
    return [
      ...this.tools.values(),
      ...[...this.managedAgents.values()].map((agent) => new ManagedAgentTool(agent)),
    ];
  }

  /** Text block describing tools for planning prompts. */
  protected toolsSummary(): string {
    return [...this.tools.values()].map((tool) => `- ${tool.name}: ${tool.description}`).join("\n");
  }

  protected managedAgentsSummary(): string {
    if (this.managedAgents.size === 0) return "";
    const agents = [...this.managedAgents.values()]
      .map((agent) => `- ${agent.name}: ${agent.description}`)
      .join("\n");
    return renderManagedAgentsBlock(agents);
  }

  protected outputSchemaPrompt(): string {
    if (!this.outputSchema) return "";
    return `\nThe final answer must be a JSON value matching this JSON Schema:\n${JSON.stringify(this.outputSchema)}\n`;
  }

  protected instructionsPrompt(): string {
    return this.instructions ? `\n${this.instructions}\n` : "";
  }

  /** Stream a run's events. */
  run(task: string, options: RunOptions & { stream: true }): AgentRun;
  /** Run to the end and return the full result. */
  run(task: string, options: RunOptions & { returnFullResult: true; stream?: false }): Promise<RunResult>;
  /** Run to the end and return the final answer; throws on error or cancellation. */
  run(task: string, options?: RunOptions & { stream?: false; returnFullResult?: false }): Promise<unknown>;
  run(
    task: string,
    options: RunOptions & { stream?: boolean; returnFullResult?: boolean } = {},
  ): AgentRun | Promise<unknown> {
    const stream = this.stream(task, options);
    if (options.stream) return stream;
    return stream.result.then((result) => {
      if (options.returnFullResult) return result;
      if (result.state === "error" || result.state === "cancelled") {
        throw this.lastFatal ?? new AgentError(result.errors.at(-1)?.message ?? "Run failed");
      }
      return result.output;
    });
  }

  private lastFatal: AgentError | undefined;

  /** Start a root run and return its event stream. */
  stream(task: string, options: RunOptions = {}): AgentRun {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    let push: (event: RunEvent) => void = () => {};
    const context = new RunContext({
      runId: options.runId,
      signal,
      sink: (event) => push(event),
      traceContent: options.traceContent,
    });
    return new AgentRun(context, controller, async (sink) => {
      push = sink;
      const outcome = await this.exclusive(() => {
        if (options.reset !== false) this.memory = new AgentMemory("");
        return this.execute(task, context, [], this.memory, options);
      });
      this.lastFatal = outcome.fatal;
      return {
        runId: context.runId,
        output: outcome.output,
        state: outcome.state,
        steps: outcome.steps,
        tokenUsage: context.usageUnder([this.name]),
        tokenUsageByAgent: { ...context.usageByAgent },
        timing: outcome.timing,
        errors: outcome.errors,
      };
    });
  }

  /** Runs of one agent instance are serialised (its memory and sandbox are not shared safely). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.busy.then(work, work);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Run as a managed agent inside a parent's run (fresh memory, same event stream). */
  async runManaged(
    task: string,
    run: RunContext,
    parentPath: string[],
    additionalArgs?: Record<string, unknown>,
  ): Promise<AgentOutcome> {
    const fullTask = this.renderTemplate("managed_agent.task", { name: this.name, task });
    return this.exclusive(() =>
      this.execute(fullTask, run, parentPath, new AgentMemory(""), { additionalArgs }),
    );
  }

  /** One agent's run as an `invoke_agent` span (nested under its manager's tool call when managed). */
  private execute(
    task: string,
    run: RunContext,
    parentPath: string[],
    memory: AgentMemory,
    options: RunOptions,
  ): Promise<AgentOutcome> {
    const path = [...parentPath, this.name];
    const attributes = {
      [traceAttributes.operation]: "invoke_agent",
      [traceAttributes.agentName]: this.name,
      [traceAttributes.requestModel]: this.model.modelId,
      [traceAttributes.runId]: run.runId,
      [traceAttributes.agentPath]: path.join("/"),
    };
    return inSpan(`invoke_agent ${this.name}`, { attributes }, async (span) => {
      const outcome = await this.loop(task, run, path, memory, options);
      span.setAttribute(traceAttributes.agentState, outcome.state);
      if (outcome.fatal) markSpanFailed(span, outcome.fatal);
      return outcome;
    });
  }

  /** The loop. Never throws: failures end up in the outcome and in events. */
  private async loop(
    task: string,
    run: RunContext,
    path: string[],
    memory: AgentMemory,
    options: RunOptions,
  ): Promise<AgentOutcome> {
    const parentPath = path.slice(0, -1);
    const startTime = Date.now();
    const maxSteps = options.maxSteps ?? this.maxSteps;
    const errors: AgentErrorJson[] = [];
    const firstStepIndex = memory.steps.length;
    memory.setSystemPrompt(this.systemPrompt);
    let fullTask = task;
    if (options.additionalArgs && Object.keys(options.additionalArgs).length) {
      fullTask += `\nYou have been provided with these additional arguments, that you can access ${
        this.agentType === "code" ? "directly using the keys as variables" : "using the keys"
      }:\n${stringify(options.additionalArgs)}`;
    }
    memory.steps.push({
      type: "task",
      task: fullTask,
      ...(options.images?.length ? { images: options.images } : {}),
    });
    run.emit(path, {
      type: "run_started",
      task,
      agentType: this.agentType,
      modelId: this.model.modelId,
      maxSteps,
    });

    const toolContext: ToolContext = {
      signal: run.signal,
      agentPath: path,
      requestUserInput: (question) => run.requestUserInput(path, question),
      run,
    };
    let output: unknown;
    let state: RunState = "success";
    let fatal: AgentError | undefined;
    try {
      run.signal.throwIfAborted();
      await this.beforeRun({ run, path, additionalArgs: options.additionalArgs });
      let done = false;
      for (let stepNumber = 1; stepNumber <= maxSteps && !done; stepNumber++) {
        if (run.signal.aborted) throw new AgentCancelledError();
        if (this.planningInterval && (stepNumber === 1 || (stepNumber - 1) % this.planningInterval === 0)) {
          await inSpan(
            `planning ${stepNumber}`,
            { attributes: this.stepAttributes(run, path, stepNumber) },
            () => this.planningStep(run, path, memory, task, stepNumber, maxSteps),
          );
        }
        const step = this.startActionStep(run, path, stepNumber);
        await inSpan(
          `step ${stepNumber}`,
          { attributes: this.stepAttributes(run, path, stepNumber) },
          async (span) => {
            try {
              await this.executeStep({ run, path, memory, step, toolContext });
              if (step.isFinalAnswer) await this.checkFinalAnswer(step, memory, run.signal);
            } catch (error) {
              const agentError = toAgentError(error);
              if (agentError instanceof AgentCancelledError || agentError instanceof AgentGenerationError)
                throw agentError;
              if (agentError.kind === "unexpected") throw agentError;
              step.isFinalAnswer = false;
              step.error = agentError.toJSON();
              errors.push(step.error);
              run.emit(path, { type: "error", stepNumber, error: step.error });
              // The step failed and the run goes on: the model reads the error next step.
              markSpanFailed(span, agentError);
            }
          },
        );
        this.endActionStep(run, path, memory, step);
        for (const callback of this.stepCallbacks) await callback(step, this);
        if (step.isFinalAnswer) {
          output = step.actionOutput;
          done = true;
        }
      }
      if (!done) {
        // As smolagents records it: the best-answer call is one more action step, carrying the
        // max-steps error and the answer as its output.
        state = "max_steps";
        const stepNumber = maxSteps + 1;
        const step = this.startActionStep(run, path, stepNumber);
        const answer = await this.provideFinalAnswer(run, path, memory, task, stepNumber);
        step.modelOutput = answer.content;
        step.actionOutput = answer.content;
        step.tokenUsage = answer.tokenUsage;
        step.error = new AgentMaxStepsError(
          `Reached max steps (${maxSteps}) without a final answer`,
        ).toJSON();
        errors.push(step.error);
        run.emit(path, { type: "error", stepNumber, error: step.error });
        this.endActionStep(run, path, memory, step);
        output = answer.content;
      }
    } catch (error) {
      fatal = toAgentError(error);
      state = fatal instanceof AgentCancelledError || run.signal.aborted ? "cancelled" : "error";
      if (state === "cancelled" && !(fatal instanceof AgentCancelledError)) fatal = new AgentCancelledError();
      errors.push(fatal.toJSON());
      run.emit(path, { type: "error", error: fatal.toJSON() });
    }
    if (state === "success" || state === "max_steps") {
      memory.steps.push({ type: "final_answer", output });
      run.emit(path, { type: "final_answer", output });
    }
    const endTime = Date.now();
    const timing = { startTime, endTime, durationMs: endTime - startTime };
    const steps = memory.steps.slice(firstStepIndex);
    run.emit(path, {
      type: "run_finished",
      state,
      output,
      stepCount: steps.filter((step) => step.type === "action").length,
      timing,
      tokenUsage: run.usageUnder(path),
      ...(parentPath.length === 0 ? { tokenUsageByAgent: { ...run.usageByAgent } } : {}),
      errors,
    });
    return { output, state, steps, errors, timing, fatal };
  }

  /** What every step and planning span of this agent carries. */
  private stepAttributes(run: RunContext, path: string[], stepNumber: number) {
    return {
      [traceAttributes.agentName]: this.name,
      [traceAttributes.agentPath]: path.join("/"),
      [traceAttributes.runId]: run.runId,
      [traceAttributes.stepNumber]: stepNumber,
    };
  }

  /** A new action step, announced to the run. */
  private startActionStep(run: RunContext, path: string[], stepNumber: number): ActionStep {
    const step: ActionStep = {
      type: "action",
      stepNumber,
      timing: { startTime: Date.now() },
      isFinalAnswer: false,
    };
    run.emit(path, { type: "step_started", stepNumber });
    return step;
  }

  /** Close an action step: its timing, its place in memory, and its event. */
  private endActionStep(run: RunContext, path: string[], memory: AgentMemory, step: ActionStep): void {
    this.finishStep(step);
    memory.steps.push(step);
    run.emit(path, { type: "step_finished", step, tokenUsage: step.tokenUsage });
  }

  private finishStep(step: ActionStep | PlanningStep): void {
    const endTime = Date.now();
    step.timing.endTime = endTime;
    step.timing.durationMs = endTime - step.timing.startTime;
  }

  /** Final-answer checks and structured-output validation; a failure throws and the loop continues. */
  private async checkFinalAnswer(step: ActionStep, memory: AgentMemory, signal: AbortSignal): Promise<void> {
    if (this.outputValidator) {
      let answer = step.actionOutput;
      if (typeof answer === "string") {
        try {
          answer = JSON.parse(answer);
        } catch {
          // validated as the string it is
        }
      }
      const result = this.outputValidator.safeParse(answer);
      if (!result.success) {
        const issues = result.error.issues.map(
          (issue) => `${issue.path.join(".") || "(answer)"}: ${issue.message}`,
        );
        throw new AgentError(
          `The final answer does not match the output schema: ${issues.join("; ")}`,
          "user",
        );
      }
      step.actionOutput = result.data;
    }
    for (const check of this.finalAnswerChecks) {
      let passed: boolean;
      try {
        passed = await check(step.actionOutput, memory, { signal });
      } catch (error) {
        if (isAbortError(error) || signal.aborted) throw new AgentCancelledError(undefined, { cause: error });
        if (error instanceof AgentError && error.kind !== "user") throw error;
        // As smolagents words it; the loop records it as the step's error and the run goes on.
        throw new AgentError(
          `Check ${check.name || "final answer check"} failed with error: ${error instanceof Error ? error.message : String(error)}`,
          "user",
        );
      }
      if (!passed) throw new AgentError(`Check ${check.name || "final answer check"} failed`, "user");
    }
  }

  /**
   * Call the model for a step, as a `chat` span: streams deltas when `streamOutputs`, reports
   * retries, accounts tokens to this agent's path and emits `model_output`.
   */
  protected async callModel(
    run: RunContext,
    path: string[],
    stepNumber: number,
    messages: ChatMessage[],
    options: GenerateOptions,
  ): Promise<ModelOutput> {
    const provider = this.model.provider ?? "unknown";
    const attributes = {
      [traceAttributes.operation]: "chat",
      [traceAttributes.system]: provider,
      [traceAttributes.provider]: provider,
      [traceAttributes.requestModel]: this.model.modelId,
      [traceAttributes.agentName]: this.name,
      [traceAttributes.runId]: run.runId,
      [traceAttributes.stepNumber]: stepNumber,
    };
    return inSpan(`chat ${this.model.modelId}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const content = run.traceContent;
      if (content) span.setAttribute(traceAttributes.inputMessages, messagesForTrace(messages, content));
      const output = await this.generate(run, path, stepNumber, messages, options);
      span.setAttributes({
        [traceAttributes.inputTokens]: output.tokenUsage.inputTokens,
        [traceAttributes.outputTokens]: output.tokenUsage.outputTokens,
        [traceAttributes.finishReasons]: [
          output.finishReason ?? (output.toolCalls.length ? "tool_calls" : "stop"),
        ],
      });
      if (content) {
        const parts: unknown[] = [{ type: "text", content: output.content }];
        for (const call of output.toolCalls)
          parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.arguments });
        span.setAttribute(
          traceAttributes.outputMessages,
          valueForTrace([{ role: "assistant", parts }], content),
        );
      }
      return output;
    });
  }

  /** The model call itself: streamed or not, errors mapped, usage accounted, `model_output` emitted. */
  private async generate(
    run: RunContext,
    path: string[],
    stepNumber: number,
    messages: ChatMessage[],
    options: GenerateOptions,
  ): Promise<ModelOutput> {
    const full: GenerateOptions = {
      ...options,
      signal: run.signal,
      onRetry: (info) =>
        run.emit(path, {
          type: "model_retry",
          attempt: info.attempt,
          delayMs: info.delayMs,
          message: info.message,
          ...(info.status !== undefined ? { status: info.status } : {}),
        }),
    };
    let output: ModelOutput | undefined;
    try {
      if (this.streamOutputs) {
        for await (const event of this.model.generateStream(messages, full)) {
          if (event.type === "delta") run.emit(path, { type: "model_delta", stepNumber, text: event.text });
          else output = event.output;
        }
        if (!output) throw new AgentGenerationError("Model stream ended without a final message");
      } else {
        output = await this.model.generate(messages, full);
      }
    } catch (error) {
      if (run.signal.aborted) throw new AgentCancelledError(undefined, { cause: error });
      if (error instanceof AgentError) throw error;
      throw new AgentGenerationError(
        `Model call failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    run.addUsage(path, output.tokenUsage);
    run.emit(path, {
      type: "model_output",
      stepNumber,
      content: output.content,
      toolCalls: output.toolCalls,
      durationMs: output.durationMs,
      tokenUsage: output.tokenUsage,
    });
    return output;
  }

  private async planningStep(
    run: RunContext,
    path: string[],
    memory: AgentMemory,
    task: string,
    stepNumber: number,
    maxSteps: number,
  ): Promise<void> {
    const startTime = Date.now();
    const values = {
      task,
      tools: this.toolsSummary(),
      managedAgents: this.managedAgentsSummary(),
      stepNumber,
      maxSteps,
      remainingSteps: maxSteps - stepNumber,
    };
    const isFirst = !memory.steps.some((step) => step.type === "planning" || step.type === "action");
    const messages: ChatMessage[] = isFirst
      ? [{ role: "user", content: this.renderTemplate("planning.initial_plan", values) }]
      : [
          { role: "system", content: this.renderTemplate("planning.update_plan_pre_messages", values) },
          ...memory.toMessages().slice(1),
          { role: "user", content: this.renderTemplate("planning.update_plan_post_messages", values) },
        ];
    const output = await this.callModel(run, path, stepNumber, messages, { stopSequences: ["<end_plan>"] });
    const intro = isFirst
      ? "Here are the facts I know and the plan of action that I will follow to solve the task:"
      : "I still need to solve the task I was given. Here are the facts I know and my new/updated plan of action to solve the task:";
    const step: PlanningStep = {
      type: "planning",
      stepNumber,
      plan: `${intro}\n\`\`\`\n${output.content.trim()}\n\`\`\``,
      timing: { startTime },
      tokenUsage: output.tokenUsage,
      ...(this.recordModelInputs ? { modelInputMessages: messages } : {}),
    };
    this.finishStep(step);
    memory.steps.push(step);
    run.emit(path, { type: "plan", step, tokenUsage: step.tokenUsage });
    for (const callback of this.stepCallbacks) await callback(step, this);
  }

  /** At the step limit: one last model call for the best answer from memory. */
  private async provideFinalAnswer(
    run: RunContext,
    path: string[],
    memory: AgentMemory,
    task: string,
    stepNumber: number,
  ): Promise<ModelOutput> {
    const messages: ChatMessage[] = [
      { role: "system", content: this.renderTemplate("final_answer.pre_messages", {}) },
      ...memory.toMessages().slice(1),
      { role: "user", content: this.renderTemplate("final_answer.post_messages", { task }) },
    ];
    return this.callModel(run, path, stepNumber, messages, {
      ...(this.outputSchema ? { responseFormat: { name: "final_answer", schema: this.outputSchema } } : {}),
    });
  }

  /** Free sandboxes and tool resources (managed agents included). Idempotent. */
  async close(): Promise<void> {
    await Promise.all([
      ...[...this.tools.values()].map((tool) => tool.close()),
      ...[...this.managedAgents.values()].map((agent) => agent.close()),
      ...this.resources.map((resource) => resource.close()),
    ]);
  }
}

/** A managed agent as its manager sees it: a tool taking `task` and optional `additional_args`. */
export class ManagedAgentTool extends Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, ToolInput> = {
    task: { type: "string", description: "Long detailed description of the task." },
    additional_args: {
      type: "object",
      description:
        "Dictionary of extra inputs to pass to the managed agent, e.g. images, dataframes, or any other contextual data it may need.",
      nullable: true,
    },
  };
  readonly outputType: ToolValueType = "string";

  constructor(readonly agent: MultiStepAgent) {
    super();
    this.name = agent.name;
    this.description = agent.description;
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    if (!(context.run instanceof RunContext))
      throw new AgentConfigError("Managed agents run only inside an agent run");
    const outcome = await this.agent.runManaged(
      String(args.task),
      context.run,
      context.agentPath,
      (args.additional_args as Record<string, unknown> | null | undefined) ?? undefined,
    );
    if (outcome.fatal instanceof AgentCancelledError) throw outcome.fatal;
    if (outcome.fatal) {
      throw new AgentToolExecutionError(`Managed agent '${this.name}' failed: ${outcome.fatal.message}`, {
        cause: outcome.fatal,
      });
    }
    return this.agent.managedReport(outcome.output);
  }
}
