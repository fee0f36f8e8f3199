import type { Context } from "@opentelemetry/api";
import {
  AgentCancelledError,
  AgentConfigError,
  AgentError,
  AgentExecutionError,
  AgentParsingError,
} from "./errors";
import type { HostTool, PythonExecutor, PythonToolSource } from "./executors/python-executor";
import { stringify } from "./memory";
import { MultiStepAgent, type MultiStepAgentOptions, type StepContext } from "./multi-step-agent";
import { type RunContext, raceAbort } from "./run-context";
import { activeTraceContext, inSpan, markSpanFailed, traceAttributes, withTraceContext } from "./telemetry";
import { parsePythonTool } from "./tools/python-source-tool";
import { isToolImage, type ToolContext } from "./tools/tool";

/** Standard-library modules a code action may always import (smolagents' base list). */
export const baseAuthorizedImports = [
  "collections",
  "datetime",
  "itertools",
  "math",
  "queue",
  "random",
  "re",
  "stat",
  "statistics",
  "time",
  "unicodedata",
];

export interface CodeAgentOptions extends MultiStepAgentOptions {
  /** Creates this agent's sandbox on first use; the engine never picks one itself. */
  createExecutor: () => Promise<PythonExecutor>;
  additionalAuthorizedImports?: string[];
  /** Wall-clock limit per code action (ms). */
  executorTimeoutMs?: number;
  /** Opening and closing code tags; default `<code>` / `</code>` (Markdown fences are accepted too). */
  codeBlockTags?: [string, string];
  /** Tools written in Python, defined inside the sandbox beside the agent's code. */
  pythonTools?: (PythonToolSource & { description?: string })[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * An agent whose actions are Python code (smolagents' CodeAgent). Tools and managed agents are
 * plain Python functions in the sandbox; `final_answer(x)` ends the run; variables persist between
 * steps. The sandbox is created once per agent and kept until `close()`.
 */
export class CodeAgent extends MultiStepAgent {
  readonly agentType = "code" as const;
  readonly authorizedImports: string[];
  private readonly createExecutor: () => Promise<PythonExecutor>;
  private readonly executorTimeoutMs: number | undefined;
  private readonly codeBlockTags: [string, string];
  private readonly pythonTools: (PythonToolSource & { description?: string })[];
  private readonly codePattern: RegExp;
  private executor: Promise<PythonExecutor> | undefined;
  /** Step being executed (runs of one agent are serialised), for tool-call events from Python. */
  private activeStep = 0;
  private hostCallCount = 0;
  /** The trace context of the code action running now, the parent of the tool calls it makes. */
  private sandboxTraceContext: Context | undefined;

  constructor(options: CodeAgentOptions) {
    super(options);
    this.createExecutor = options.createExecutor;
    this.executorTimeoutMs = options.executorTimeoutMs;
    this.codeBlockTags = options.codeBlockTags ?? ["<code>", "</code>"];
    this.pythonTools = options.pythonTools ?? [];
    this.authorizedImports = [
      ...new Set([...baseAuthorizedImports, ...(options.additionalAuthorizedImports ?? [])]),
    ];
    const [open, close] = this.codeBlockTags;
    this.codePattern = new RegExp(
      `${escapeRegExp(open)}\\s*\\n?([\\s\\S]*?)(?:${escapeRegExp(close)}|$)`,
      "g",
    );
  }

  protected initializeSystemPrompt(): string {
    const signatures = this.allTools()
      .filter((tool) => !this.managedAgents.has(tool.name))
      .map((tool) => tool.toPythonSignature());
    for (const tool of this.pythonTools) {
      const parsed = parsePythonTool(tool.name, tool.source);
      const params = Object.entries(parsed.inputs).map(([name]) => name);
      signatures.push(`def ${tool.name}(${params.join(", ")}):\n    """${tool.description || parsed.doc}"""`);
    }
    const managed = [...this.managedAgents.values()]
      .map(
        (agent) =>
          `def ${agent.name}(task: str, additional_args: dict | None = None) -> str:\n    """${agent.description}\n\n    Args:\n        task: Long detailed description of the task.\n        additional_args: Dictionary of extra inputs to pass to the managed agent.\n    """`,
      )
      .join("\n\n");
    return this.renderTemplate("system_prompt", {
      codeOpen: this.codeBlockTags[0],
      codeClose: this.codeBlockTags[1],
      tools: signatures.join("\n\n"),
      managedAgents: managed ? `${this.managedAgentsSummary()}\`\`\`python\n${managed}\n\`\`\`\n` : "",
      authorizedImports: this.authorizedImports.includes("*")
        ? "You can import from any package you want."
        : this.authorizedImports.map((name) => `'${name}'`).join(", "),
      outputSchema: this.outputSchemaPrompt(),
      instructions: this.instructionsPrompt(),
    });
  }

  private getExecutor(): Promise<PythonExecutor> {
    if (!this.executor) {
      const pending = this.createExecutor().then(async (executor) => {
        if (executor.kind === "local" && this.authorizedImports.includes("*")) {
          await executor.close();
          throw new AgentConfigError(
            `Agent '${this.name}' authorizes every import ("*"), which needs a real sandbox (pyodide or docker), not the local executor`,
          );
        }
        if (this.pythonTools.length) {
          await executor.definePythonTools(this.pythonTools.map(({ name, source }) => ({ name, source })));
        }
        return executor;
      });
      pending.catch(() => {
        if (this.executor === pending) this.executor = undefined;
      });
      this.executor = pending;
    }
    return this.executor;
  }

  /** Bind host tools to this run (the sandbox persists across runs; the run context does not). */
  protected override async beforeRun(context: {
    run: RunContext;
    path: string[];
    additionalArgs?: Record<string, unknown>;
  }): Promise<void> {
    const executor = await raceAbort(this.getExecutor(), context.run.signal);
    const toolContext: ToolContext = {
      signal: context.run.signal,
      agentPath: context.path,
      requestUserInput: (question) => context.run.requestUserInput(context.path, question),
      run: context.run,
    };
    const hostTools: HostTool[] = this.allTools()
      .filter((tool) => tool.name !== "final_answer")
      .map((tool) => ({
        name: tool.name,
        inputNames: Object.keys(tool.inputs),
        call: async (args, signal) => {
          context.run.emit(context.path, {
            type: "tool_call",
            stepNumber: this.activeStep,
            toolCall: {
              id: `py_${this.activeStep}_${this.hostCallCount++}`,
              name: tool.name,
              arguments: args,
            },
          });
          const result = await withTraceContext(this.sandboxTraceContext ?? activeTraceContext(), () =>
            tool.call(args, { ...toolContext, signal }),
          );
          return isToolImage(result) ? result.image : result;
        },
      }));
    await executor.setTools(hostTools);
    if (context.additionalArgs && Object.keys(context.additionalArgs).length) {
      await executor.setVariables(context.additionalArgs);
    }
  }

  /** Extract the code of an answer: text between the code tags, else Markdown python fences. */
  parseCode(text: string): string {
    const blocks = [...text.matchAll(this.codePattern)]
      .map((match) => (match[1] ?? "").trim())
      .filter(Boolean);
    if (blocks.length) return blocks.join("\n\n");
    const fences = [...text.matchAll(/```(?:python|py)?[ \t]*\n([\s\S]*?)```/g)]
      .map((match) => (match[1] ?? "").trim())
      .filter(Boolean);
    if (fences.length) return fences.join("\n\n");
    const [open, close] = this.codeBlockTags;
    throw new AgentParsingError(
      `Your code snippet is invalid, because the pattern ${open}(.*?)${close} was not found in it.\nHere is your code snippet:\n${text}\nMake sure to include code with the correct pattern, for instance:\nThoughts: Your thoughts\n${open}\n# Your python code here\n${close}`,
    );
  }

  protected async executeStep({ run, path, memory, step }: StepContext): Promise<void> {
    this.activeStep = step.stepNumber;
    this.hostCallCount = 0;
    const messages = memory.toMessages();
    if (this.recordModelInputs) step.modelInputMessages = messages;
    const [open, close] = this.codeBlockTags;
    const output = await this.callModel(run, path, step.stepNumber, messages, {
      stopSequences: [close, "Observation:", "Calling tools:"],
    });
    step.tokenUsage = output.tokenUsage;
    let text = output.content;
    if (text.includes(open) && text.lastIndexOf(open) > text.lastIndexOf(close)) text += close;
    step.modelOutput = text;
    const code = this.parseCode(text);
    step.codeAction = code;
    step.toolCalls = [{ id: `call_${step.stepNumber}`, name: "python_interpreter", arguments: code }];
    run.emit(path, { type: "code_action", stepNumber: step.stepNumber, code });
    const executor = await this.getExecutor();
    const result = await inSpan(
      `sandbox ${executor.kind}`,
      {
        attributes: {
          [traceAttributes.sandboxKind]: executor.kind,
          [traceAttributes.agentName]: this.name,
          [traceAttributes.runId]: run.runId,
          [traceAttributes.stepNumber]: step.stepNumber,
        },
      },
      async (span) => {
        if (run.traceContent) span.setAttribute(traceAttributes.code, run.traceContent(code));
        // Tools the code calls reach the host from the sandbox's pipe: they are children of this span.
        this.sandboxTraceContext = activeTraceContext();
        try {
          const outcome = await executor.run(code, { signal: run.signal, timeoutMs: this.executorTimeoutMs });
          if (outcome.error) {
            span.setAttribute(traceAttributes.sandboxError, outcome.error.type);
            markSpanFailed(span, new Error(outcome.error.message));
          }
          return outcome;
        } finally {
          this.sandboxTraceContext = undefined;
        }
      },
    );
    const logs = result.logs ? `Execution logs:\n${result.logs}` : "";
    if (result.error) {
      if (result.error.type === "Cancelled" || run.signal.aborted) throw new AgentCancelledError();
      if (result.error.type === "SandboxError") {
        throw new AgentError(`Sandbox failure: ${result.error.message}`, "unexpected");
      }
      if (logs) {
        step.observations = logs;
        run.emit(path, { type: "observation", stepNumber: step.stepNumber, observation: logs });
      }
      // As smolagents words it: "Code parsing failed on line N due to: SyntaxError", the line, a caret.
      if (result.error.type === "SyntaxError") throw new AgentExecutionError(result.error.message);
      const name = result.error.pythonType ?? result.error.type;
      const message = result.error.message.startsWith(name)
        ? result.error.message
        : `${name}: ${result.error.message}`;
      throw new AgentExecutionError(`Code execution failed: ${message}`);
    }
    const observation = result.isFinalAnswer
      ? logs
      : `${logs ? `${logs}\n` : ""}Last output from code snippet:\n${result.output === null ? "None" : stringify(result.output)}`;
    step.observations = observation;
    step.actionOutput = result.output;
    step.isFinalAnswer = result.isFinalAnswer;
    run.emit(path, { type: "observation", stepNumber: step.stepNumber, observation });
  }

  override async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    await Promise.all([
      super.close(),
      executor?.then(
        (e) => e.close(),
        () => undefined,
      ),
    ]);
  }
}
