import type { CodeOutput, HostTool, PythonExecutor } from "~/agents/executors/python-executor";

/**
 * BENCH ONLY — an in-memory stand-in for a sandbox, so the overhead bench measures the engine and
 * not Python. It "runs" a code action by returning at once: `final_answer(...)` in the code makes
 * it a final answer, anything else prints the code's first line. No Python is executed.
 */
export class StubExecutor implements PythonExecutor {
  readonly kind = "local" as const;
  async setTools(_tools: HostTool[]): Promise<void> {}
  async definePythonTools(): Promise<void> {}
  async setVariables(): Promise<void> {}
  async run(code: string): Promise<CodeOutput> {
    const isFinalAnswer = code.includes("final_answer(");
    return {
      output: isFinalAnswer ? "done" : null,
      logs: isFinalAnswer ? "" : (code.split("\n")[0] ?? ""),
      isFinalAnswer,
      error: null,
      durationMs: 0,
    };
  }
  async close(): Promise<void> {}
}
