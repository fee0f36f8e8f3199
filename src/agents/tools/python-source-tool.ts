import type { PythonExecutor } from "../executors/python-executor";
import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tool";

const typeHints: Record<string, ToolValueType> = {
  str: "string",
  int: "integer",
  float: "number",
  bool: "boolean",
  dict: "object",
  list: "array",
  None: "null",
};

/** Split a parameter list at top-level commas (type hints may contain brackets). */
function splitParams(params: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of params) {
    if ("([{".includes(char)) depth++;
    if (")]}".includes(char)) depth--;
    if (char === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += char;
  }
  if (current.trim()) out.push(current);
  return out.map((p) => p.trim()).filter((p) => p && p !== "*" && !p.startsWith("*"));
}

/** Read inputs, output type and docstring from a Python function's source (type hints + docstring). */
export function parsePythonTool(name: string, source: string) {
  const def = new RegExp(`def\\s+${name}\\s*\\(([\\s\\S]*?)\\)\\s*(?:->\\s*([^:]+))?:`).exec(source);
  if (!def) throw new Error(`Python tool source must define a function named '${name}'`);
  const inputs: Record<string, ToolInput> = {};
  const docMatch = /^\s*(?:"""|''')([\s\S]*?)(?:"""|''')/m.exec(source.slice(def.index + def[0].length));
  const doc = docMatch?.[1]?.trim() ?? "";
  for (const param of splitParams(def[1] ?? "")) {
    const [left, defaultValue] = param.split("=");
    const [rawName, rawHint] = (left ?? "").split(":");
    const argName = (rawName ?? "").trim();
    const hint = (rawHint ?? "").trim();
    const nullable = defaultValue !== undefined || /None|Optional/.test(hint);
    const base =
      hint
        .replace(/Optional\[(.*)\]/, "$1")
        .split("|")[0]
        ?.trim()
        .split("[")[0] ?? "";
    const argDoc =
      new RegExp(`^\\s*${argName}\\s*(?:\\([^)]*\\))?:\\s*(.+)$`, "m").exec(doc)?.[1]?.trim() ?? "";
    inputs[argName] = {
      type: typeHints[base] ?? "any",
      description: argDoc,
      nullable: nullable || undefined,
    };
  }
  const returnHint = (def[2] ?? "").trim().split("[")[0] ?? "";
  return { inputs, outputType: typeHints[returnHint] ?? ("any" as ToolValueType), doc };
}

/**
 * A tool written in Python on the canvas. Code agents get it defined inside their own sandbox
 * (see CodeAgent); tool-calling agents call it through this class, which runs it in a sandbox of
 * its own created on first use.
 */
export class PythonSourceTool extends Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, ToolInput>;
  readonly outputType: ToolValueType;
  private executor: Promise<PythonExecutor> | undefined;
  /** The last call in line: calls share one sandbox (and its `__tool_args`), so they take turns. */
  private lastCall: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: { name: string; description: string; source: string },
    private readonly createExecutor: () => Promise<PythonExecutor>,
  ) {
    super();
    const parsed = parsePythonTool(spec.name, spec.source);
    this.name = spec.name;
    this.description = spec.description || parsed.doc.split("\n\n")[0] || spec.name;
    this.inputs = parsed.inputs;
    this.outputType = parsed.outputType;
    this.validateDefinition();
  }

  /**
   * Run the function with these arguments. Parallel tool calls to this tool wait for each other: each
   * sets the sandbox's arguments and calls with them before the next call sets its own.
   */
  forward(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    const call = this.lastCall.then(() => this.callOnce(args, context));
    this.lastCall = call.catch(() => undefined);
    return call;
  }

  private async callOnce(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    context.signal.throwIfAborted();
    if (!this.executor) {
      this.executor = this.createExecutor().then(async (executor) => {
        await executor.definePythonTools([{ name: this.spec.name, source: this.spec.source }]);
        return executor;
      });
    }
    const executor = await this.executor;
    await executor.setVariables({ __tool_args: args });
    const output = await executor.run(`${this.name}(**__tool_args)`, { signal: context.signal });
    if (output.error)
      throw new Error(`${output.error.pythonType ?? output.error.type}: ${output.error.message}`);
    return output.output;
  }

  override async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    if (executor) await (await executor).close();
  }
}
