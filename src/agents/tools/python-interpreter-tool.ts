import type { PythonExecutor } from "../executors/python-executor";
import { stringify } from "../memory";
import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tool";

/** Render a code output as smolagents does: logs, then the last value, or the error. */
export function formatCodeOutput(output: {
  logs: string;
  output: unknown;
  error: { message: string } | null;
}): string {
  const parts: string[] = [];
  if (output.logs) parts.push(`Execution logs:\n${output.logs}`);
  if (output.error) parts.push(`Error: ${output.error.message}`);
  else parts.push(`Last output from code snippet:\n${stringify(output.output)}`);
  return parts.join("\n");
}

/**
 * `python_interpreter(code)` for tool-calling agents: runs code in a sandbox created on first use
 * (state persists between calls of one agent) and returns its logs and last value.
 */
export class PythonInterpreterTool extends Tool {
  readonly name = "python_interpreter";
  readonly description =
    "Evaluates Python code in a sandbox and returns what it printed and the value of its last expression. Variables persist between calls.";
  readonly inputs: Record<string, ToolInput> = {
    code: { type: "string", description: "The Python code to run." },
  };
  readonly outputType: ToolValueType = "string";
  private executor: Promise<PythonExecutor> | undefined;

  constructor(
    private readonly createExecutor: () => Promise<PythonExecutor>,
    private readonly timeoutMs?: number,
  ) {
    super();
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    this.executor ??= this.createExecutor();
    const executor = await this.executor;
    const output = await executor.run(String(args.code), {
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    });
    if (output.error?.type === "Cancelled") context.signal.throwIfAborted();
    return formatCodeOutput(output);
  }

  override async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    if (executor) await (await executor).close();
  }
}
