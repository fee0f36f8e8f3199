import type {
  CodeOutput,
  ExecOptions,
  ExecutorOptions,
  HostTool,
  PythonExecutor,
  PythonToolSource,
} from "./python-executor";
import {
  answerToolCall,
  type CallMessage,
  type DoneMessage,
  failedOutput,
  type RunnerRequest,
  toCodeOutput,
  toJsonSafe,
} from "./runner-protocol";
import { type RunnerTransport, SandboxDiedError } from "./runner-transport";

/** Default wall-clock limit of one code action. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default cap on printed output per action. */
export const DEFAULT_MAX_OUTPUT_CHARS = 50_000;

/**
 * A PythonExecutor over any RunnerTransport: the shared half of the Pyodide, Docker and local
 * executors. It keeps the run's setup (imports policy, tools, Python tools, variables) so that a
 * sandbox replaced after a timeout or crash is set up again before the next action.
 */
export class ProtocolExecutor implements PythonExecutor {
  private transport: RunnerTransport | null = null;
  private starting: Promise<RunnerTransport> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private tools = new Map<string, HostTool>();
  private toolList: { name: string; inputNames?: string[] }[] = [];
  private pythonTools: PythonToolSource[] = [];
  private variables: Record<string, unknown> = {};
  private closed = false;
  private seq = 0;
  private readonly timeoutMs: number;
  private readonly maxOutputChars: number;

  constructor(
    readonly kind: PythonExecutor["kind"],
    private readonly startTransport: () => Promise<RunnerTransport>,
    private readonly options: ExecutorOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  }

  /** Start the sandbox now instead of on first use (e.g. while the model is thinking). */
  warmUp(): Promise<void> {
    return this.serial(async () => {
      await this.ensure();
    });
  }

  setTools(tools: HostTool[]): Promise<void> {
    return this.serial(async () => {
      this.tools = new Map(tools.map((tool) => [tool.name, tool]));
      this.toolList = tools.map((tool) =>
        tool.inputNames ? { name: tool.name, inputNames: tool.inputNames } : { name: tool.name },
      );
      const transport = await this.ensure();
      await this.setup(transport, { type: "set_tools", id: this.nextId(), tools: this.toolList });
    });
  }

  definePythonTools(tools: PythonToolSource[]): Promise<void> {
    return this.serial(async () => {
      const transport = await this.ensure();
      const done = await this.send(transport, { type: "define_python_tools", id: this.nextId(), tools });
      if (done.error) throw new Error(`Python tool definition failed: ${done.error.message}`);
      this.pythonTools = [...this.pythonTools.filter((t) => !tools.some((n) => n.name === t.name)), ...tools];
    });
  }

  setVariables(variables: Record<string, unknown>): Promise<void> {
    return this.serial(async () => {
      const safe = toJsonSafe(variables) as Record<string, unknown>;
      this.variables = { ...this.variables, ...safe };
      const transport = await this.ensure();
      await this.setup(transport, { type: "set_variables", id: this.nextId(), variables: safe });
    });
  }

  run(code: string, options: ExecOptions = {}): Promise<CodeOutput> {
    return this.serial(() => this.runNow(code, options));
  }

  close(): Promise<void> {
    this.closed = true;
    const transport = this.transport;
    this.transport = null;
    return transport ? transport.kill() : Promise.resolve();
  }

  private async runNow(code: string, options: ExecOptions): Promise<CodeOutput> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (options.signal?.aborted) return failedOutput({ type: "Cancelled", message: "Run cancelled" }, 0);
    let transport: RunnerTransport;
    try {
      transport = await this.ensure();
    } catch (error) {
      return failedOutput(
        { type: "SandboxError", message: `Sandbox failed to start: ${message(error)}` },
        elapsed(),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<"timeout" | "cancelled">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
      onAbort = () => resolve("cancelled");
      if (options.signal?.aborted) resolve("cancelled");
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    const request = { type: "exec", id: this.nextId(), code } as const;
    const reply = transport.request(request, (call) => this.onCall(call, controller.signal));
    reply.catch(() => {});
    try {
      const outcome = await Promise.race([reply, stopped]);
      if (outcome === "timeout" || outcome === "cancelled") {
        controller.abort();
        await this.discard(transport);
        if (outcome === "timeout") {
          return failedOutput(
            {
              type: "Timeout",
              message: `Code execution exceeded the time limit of ${(timeoutMs / 1000).toFixed(1)} s and was stopped. The sandbox was restarted: variables defined by earlier code are lost.`,
            },
            elapsed(),
          );
        }
        return failedOutput({ type: "Cancelled", message: "Run cancelled" }, elapsed());
      }
      return toCodeOutput(outcome, elapsed(), this.maxOutputChars);
    } catch (error) {
      await this.discard(transport);
      if (error instanceof SandboxDiedError && error.reason === "MemoryLimit") {
        return failedOutput(
          {
            type: "MemoryLimit",
            message: `${error.message}. The sandbox was restarted: variables are lost.`,
          },
          elapsed(),
        );
      }
      return failedOutput({ type: "SandboxError", message: message(error) }, elapsed());
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }

  private onCall(call: CallMessage, signal: AbortSignal) {
    return answerToolCall(call, this.tools, signal);
  }

  private async discard(transport: RunnerTransport): Promise<void> {
    if (this.transport === transport) this.transport = null;
    await transport.kill().catch(() => {});
  }

  /** The live transport, started and set up (again) when needed. */
  private async ensure(): Promise<RunnerTransport> {
    if (this.closed) throw new Error(`The ${this.kind} executor is closed`);
    if (this.transport?.alive) return this.transport;
    this.transport = null;
    this.starting ??= this.startAndSetUp().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startAndSetUp(): Promise<RunnerTransport> {
    const transport = await this.startTransport();
    try {
      await this.setup(transport, {
        type: "configure",
        id: this.nextId(),
        authorizedImports: this.options.authorizedImports ?? [],
        maxOutputChars: this.maxOutputChars,
      });
      if (this.toolList.length > 0) {
        await this.setup(transport, { type: "set_tools", id: this.nextId(), tools: this.toolList });
      }
      if (this.pythonTools.length > 0) {
        await this.setup(transport, {
          type: "define_python_tools",
          id: this.nextId(),
          tools: this.pythonTools,
        });
      }
      if (Object.keys(this.variables).length > 0) {
        await this.setup(transport, { type: "set_variables", id: this.nextId(), variables: this.variables });
      }
    } catch (error) {
      await transport.kill().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await transport.kill();
      throw new Error(`The ${this.kind} executor is closed`);
    }
    this.transport = transport;
    return transport;
  }

  private async setup(transport: RunnerTransport, request: RunnerRequest): Promise<void> {
    const done = await this.send(transport, request);
    if (done.error) throw new Error(`Sandbox setup (${request.type}) failed: ${done.error.message}`);
  }

  private send(transport: RunnerTransport, request: RunnerRequest): Promise<DoneMessage> {
    const controller = new AbortController();
    return transport.request(request, (call) => this.onCall(call, controller.signal));
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => {});
    return next;
  }

  private nextId(): string {
    this.seq += 1;
    return `r${this.seq}`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
