/**
 * `npm run sandbox -- --executor pyodide|docker|local [--timeout S] [--authorized-imports a,b] [--memory MB]`
 * Reads Python from stdin, runs it as one step (final_answer available) and prints one JSON line:
 * { ok, output, stdout, isFinalAnswer, error, durationMs }. Exit code 0 whenever that line was printed.
 * Docker connection and image come from the environment (src/env.ts); `--executor local` is the local opt-in.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { createExecutor } from "~/agents/executors";
import type { CodeOutput } from "~/agents/executors/python-executor";
import { parseEnv } from "~/env";
import { executorHostFromEnv } from "~/server/runs/executor-host";

const argsSchema = z.object({
  executor: z.enum(["pyodide", "docker", "local"]).default("pyodide"),
  timeout: z.coerce.number().positive().max(3600).default(30),
  "authorized-imports": z.string().default(""),
  memory: z.coerce.number().int().positive().max(65_536).optional(),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function print(result: CodeOutput, ok: boolean): void {
  const line = {
    ok,
    output: result.output,
    stdout: result.logs,
    isFinalAnswer: result.isFinalAnswer,
    error: result.error ? { type: result.error.type, message: result.error.message } : null,
    durationMs: Math.round(result.durationMs * 1000) / 1000,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      executor: { type: "string" },
      timeout: { type: "string" },
      "authorized-imports": { type: "string" },
      memory: { type: "string" },
    },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(
      `sandbox: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}\n`,
    );
    process.exit(2);
  }
  const args = parsed.data;
  const env = parseEnv();
  const code = await readStdin();
  const started = performance.now();
  let executor: Awaited<ReturnType<typeof createExecutor>> | undefined;
  try {
    executor = await createExecutor(
      { kind: args.executor, timeoutSeconds: args.timeout, memoryMb: args.memory },
      {
        ...executorHostFromEnv(env),
        authorizedImports: args["authorized-imports"]
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        // Choosing --executor local on the command line is the explicit opt-in.
        allowLocal: args.executor === "local",
        pyodideSnapshot: false,
      },
    );
    const result = await executor.run(code);
    print(result, result.error === null);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    print(
      {
        output: null,
        logs: "",
        isFinalAnswer: false,
        error: { type: "SandboxError", message },
        durationMs: performance.now() - started,
      },
      false,
    );
  } finally {
    await executor?.close().catch(() => {});
  }
  process.exit(0);
}

void main();
