import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { CodeError, CodeOutput, HostTool } from "./python-executor";

/**
 * Host side of the Python runner protocol (docs/architecture.md, Contracts): message shapes, parsing of what the runner
 * sends (untrusted: model code may try to forge it), and tool-call dispatch shared by all transports.
 */

/** Absolute path of the one Python runner shared by every transport. */
export const RUNNER_PATH = fileURLToPath(new URL("./runner/runner.py", import.meta.url));

let runnerSourceCache: string | undefined;
/** The runner's Python source (read once). */
export function readRunnerSource(): string {
  runnerSourceCache ??= readFileSync(RUNNER_PATH, "utf8");
  return runnerSourceCache;
}

/** Host → runner requests that expect one `done` reply. */
export type RunnerRequest =
  | {
      type: "configure";
      id: string;
      authorizedImports: string[];
      maxOutputChars: number;
      maxOperations?: number;
    }
  | { type: "set_tools"; id: string; tools: { name: string; inputNames?: string[] }[] }
  | { type: "define_python_tools"; id: string; tools: { name: string; source: string }[] }
  | { type: "set_variables"; id: string; variables: Record<string, unknown> }
  | { type: "exec"; id: string; code: string }
  | { type: "ping"; id: string };

/** Host → runner answer to a tool call. */
export type ResultMessage =
  | { type: "result"; id: string; ok: true; value: unknown }
  | { type: "result"; id: string; ok: false; error: string };

const codeErrorSchema = z.object({
  type: z.enum([
    "SyntaxError",
    "ExecutionError",
    "ImportError",
    "ToolError",
    "Timeout",
    "MemoryLimit",
    "Cancelled",
    "SandboxError",
  ]),
  pythonType: z.string().max(200).optional(),
  message: z.string(),
});

const doneSchema = z.object({
  type: z.literal("done"),
  id: z.string().nullable(),
  output: z.unknown().optional(),
  logs: z.string().default(""),
  isFinalAnswer: z.boolean().default(false),
  error: codeErrorSchema.nullable().default(null),
  /** The runner cannot go on after this answer (an exception escaped it): the host retires it. */
  fatal: z.boolean().optional(),
});
export type DoneMessage = z.infer<typeof doneSchema>;

const callSchema = z.object({
  type: z.literal("call"),
  id: z.string().max(100),
  tool: z.string().max(200),
  args: z.record(z.string(), z.unknown()),
});
export type CallMessage = z.infer<typeof callSchema>;

const readySchema = z.object({ type: z.literal("ready") });

export type RunnerMessage = DoneMessage | CallMessage | z.infer<typeof readySchema>;

const runnerMessageSchema = z.discriminatedUnion("type", [doneSchema, callSchema, readySchema]);

/** Parse one line from the runner; a malformed line is reported, never thrown past the transport. */
export function parseRunnerMessage(line: string): RunnerMessage | { type: "invalid"; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { type: "invalid", reason: `not JSON: ${line.slice(0, 200)}` };
  }
  const parsed = runnerMessageSchema.safeParse(raw);
  if (!parsed.success) return { type: "invalid", reason: `unexpected message: ${line.slice(0, 200)}` };
  return parsed.data;
}

/** Run a host tool for a `call` message and build the `result` to send back. */
export async function answerToolCall(
  call: CallMessage,
  tools: ReadonlyMap<string, HostTool>,
  signal: AbortSignal,
): Promise<ResultMessage> {
  const tool = tools.get(call.tool);
  if (!tool) return { type: "result", id: call.id, ok: false, error: `Unknown tool: ${call.tool}` };
  try {
    const value = await tool.call(call.args, signal);
    return { type: "result", id: call.id, ok: true, value: toJsonSafe(value) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { type: "result", id: call.id, ok: false, error: message.slice(0, 10_000) };
  }
}

/** A JSON round trip: what Python will actually see (undefined → null, class instances → plain objects). */
export function toJsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** Longest value (as JSON) the host accepts from a runner: the runner's own cap, enforced again here. */
export const MAX_VALUE_CHARS = 50_000;
/** Room for the runner's own truncation marker past the print cap. */
const MARKER_SLACK_CHARS = 200;
const MAX_ERROR_CHARS = 20_000;

/**
 * Turn a runner `done` into the public CodeOutput, cutting what exceeds the caps on the host side:
 * a sandbox that raised or ignored its own limits still returns at most `maxOutputChars` of print
 * output, a value of at most MAX_VALUE_CHARS as JSON, and a bounded error message.
 */
export function toCodeOutput(done: DoneMessage, durationMs: number, maxOutputChars: number): CodeOutput {
  let logs = done.logs;
  if (logs.length > maxOutputChars + MARKER_SLACK_CHARS) {
    logs = `${logs.slice(0, maxOutputChars)}\n[output truncated by the host: ${logs.length - maxOutputChars} more characters]`;
  }
  let output = done.output ?? null;
  const json = JSON.stringify(output) ?? "null";
  if (json.length > MAX_VALUE_CHARS) {
    output = `${json.slice(0, MAX_VALUE_CHARS)}… [value truncated by the host: ${json.length - MAX_VALUE_CHARS} more characters]`;
  }
  const error =
    done.error && done.error.message.length > MAX_ERROR_CHARS
      ? { ...done.error, message: `${done.error.message.slice(0, MAX_ERROR_CHARS)}… [truncated by the host]` }
      : done.error;
  return { output, logs, isFinalAnswer: done.isFinalAnswer, error, durationMs };
}

/** A CodeOutput for a failure detected on the host side (timeout, crash, cancel). */
export function failedOutput(error: CodeError, durationMs: number, logs = ""): CodeOutput {
  return { output: null, logs, isFinalAnswer: false, error, durationMs };
}
