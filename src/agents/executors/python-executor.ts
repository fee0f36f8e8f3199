/**
 * The contract every Python sandbox implements.
 *
 * The host talks to a small Python runner with line-delimited JSON:
 *   host → runner  {"type":"exec","id","code"}            run one code action
 *   runner → host  {"type":"call","id","tool","args"}     Python called a host tool
 *   host → runner  {"type":"result","id","ok","value"|"error"}
 *   runner → host  {"type":"done","id", ...CodeOutput}
 * Pyodide, Docker and local-process executors are transports of that protocol and pass one
 * contract suite (tests/integration/executors/contract.ts).
 */

/** A host function that Python code can call by name (tools and managed agents). */
export interface HostTool {
  name: string;
  /** Parameter names in order, so Python may pass them positionally (`search("q")`); keywords always work. */
  inputNames?: string[];
  /** Called with keyword arguments as a JSON object; the JSON-safe return value goes back to Python. */
  call(args: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

/** Where a code action failed, named so the agent can react without parsing messages. */
export type CodeErrorType =
  | "SyntaxError"
  | "ExecutionError"
  | "ImportError"
  | "ToolError"
  | "Timeout"
  | "MemoryLimit"
  | "Cancelled"
  | "SandboxError";

export interface CodeError {
  type: CodeErrorType;
  /** Python exception class name when there is one, e.g. "ZeroDivisionError". */
  pythonType?: string;
  message: string;
}

/** The outcome of one code action. */
export interface CodeOutput {
  /** Value of `final_answer(x)` when isFinalAnswer, else the last expression's value (JSON-safe, or its repr). */
  output: unknown;
  /** Everything printed (stdout and stderr interleaved), capped; truncation is marked in the text. */
  logs: string;
  isFinalAnswer: boolean;
  error: CodeError | null;
  durationMs: number;
}

export interface ExecOptions {
  signal?: AbortSignal;
  /** Wall-clock limit for this action; the executor kills and reports `Timeout` past it. */
  timeoutMs?: number;
}

/** Python tool source written on the canvas: a function with type hints and a docstring. */
export interface PythonToolSource {
  name: string;
  source: string;
}

export interface ExecutorOptions {
  /** Modules the code may import beyond the safe standard-library list; "*" only in real sandboxes. */
  authorizedImports?: string[];
  /** Default per-action timeout (ms). */
  timeoutMs?: number;
  /** Cap on captured print output per action (characters), default 50_000. */
  maxOutputChars?: number;
  /** Memory cap for the sandbox (MiB), where the transport can enforce one. */
  memoryMb?: number;
}

/**
 * One sandboxed Python session for one agent run. State (variables, imports, defined functions)
 * persists across `run` calls until `close`.
 */
export interface PythonExecutor {
  readonly kind: "pyodide" | "docker" | "local";
  /** Make host tools callable from Python as plain functions (replaces the previous set). */
  setTools(tools: HostTool[]): Promise<void>;
  /** Define Python tools (canvas-written) inside the sandbox, beside the agent's code. */
  definePythonTools(tools: PythonToolSource[]): Promise<void>;
  /** Set global variables (e.g. the run's additional_args); values must be JSON-safe. */
  setVariables(variables: Record<string, unknown>): Promise<void>;
  /** Run one code action. Never throws for model-caused failures: they come back in `error`. */
  run(code: string, options?: ExecOptions): Promise<CodeOutput>;
  /** Free the sandbox (return worker to nothing, remove container, kill process). Idempotent. */
  close(): Promise<void>;
}
