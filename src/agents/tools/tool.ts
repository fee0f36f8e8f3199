import { z } from "zod";
import { type ToolValueType, toolValueTypes } from "~/graph/agent-spec";
import { AgentError, AgentToolCallError, AgentToolExecutionError, isAbortError } from "../errors";
import type { ToolDefinition } from "../models/model";
import { RunContext } from "../run-context";
import { inSpan, traceAttributes, valueForTrace } from "../telemetry";

/**
 * Tools (smolagents' `Tool`): a name, a description, inputs described by JSON Schema per argument,
 * an output type, and `forward`. Arguments are validated before `forward`, and a bad argument
 * produces an error that names it. A tool renders itself as a Python signature (code agents see
 * tools as functions) and as a JSON schema (tool-calling agents). Two ways to make one: extend
 * `Tool` (state set up once in `setup()`), or `defineTool` with a zod object or JSON Schema.
 */

/** The value types tools declare; defined once, beside the agent spec. */
export type { ToolValueType };

export interface ToolInput {
  type: ToolValueType;
  description: string;
  nullable?: boolean;
  enum?: (string | number)[];
  /** Extra JSON Schema (items, properties) passed through to the model. */
  schema?: Record<string, unknown>;
}

/** An image a tool returns: shown to tool-calling models as an image, to Python as its data URL. */
export interface ToolImage {
  type: "image";
  /** data: URL or http(s) URL. */
  image: string;
}

export function isToolImage(value: unknown): value is ToolImage {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as ToolImage).type === "image" &&
    typeof (value as ToolImage).image === "string"
  );
}

/** What a running tool may use from its run: the signal, and run services (user input, child runs). */
export interface ToolContext {
  signal: AbortSignal;
  /** Path of agent names from the root to the agent calling this tool. */
  agentPath: string[];
  /** Ask the person running the agent a question (the `user_input` tool). */
  requestUserInput(question: string): Promise<string>;
  /** Opaque handle the engine uses to run managed agents inside the same run. */
  readonly run: unknown;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const pythonTypes: Record<ToolValueType, string> = {
  string: "str",
  integer: "int",
  number: "float",
  boolean: "bool",
  object: "dict",
  array: "list",
  image: "str",
  audio: "str",
  any: "Any",
  null: "None",
};

export abstract class Tool {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly inputs: Record<string, ToolInput>;
  abstract readonly outputType: ToolValueType;
  /** JSON Schema of the output when it is structured. */
  readonly outputSchema?: Record<string, unknown>;
  private setupPromise: Promise<void> | undefined;

  /** One-time initialisation (load a client, a model, a file) before the first call. */
  setup(): Promise<void> | void {}

  /** Free what `setup` or `forward` acquired (sandboxes, connections). Called when the agent is closed. */
  close(): Promise<void> | void {}

  abstract forward(args: Record<string, unknown>, context: ToolContext): Promise<unknown> | unknown;

  /** Check the definition: a Python identifier name, a description, well-formed inputs. */
  validateDefinition(): void {
    if (!identifier.test(this.name))
      throw new AgentError(`Tool name '${this.name}' is not a Python identifier`, "user");
    for (const [name, input] of Object.entries(this.inputs)) {
      if (!identifier.test(name))
        throw new AgentError(`Tool ${this.name}: input '${name}' is not an identifier`, "user");
      if (!toolValueTypes.includes(input.type)) {
        throw new AgentError(`Tool ${this.name}: input '${name}' has unknown type '${input.type}'`, "user");
      }
    }
  }

  /**
   * Validate and run. Bad arguments throw AgentToolCallError naming the argument; failures inside
   * `forward` throw AgentToolExecutionError (aborts and engine errors pass through).
   */
  call(rawArgs: unknown, context: ToolContext): Promise<unknown> {
    const run = context.run instanceof RunContext ? context.run : undefined;
    const attributes = {
      [traceAttributes.operation]: "execute_tool",
      [traceAttributes.toolName]: this.name,
      [traceAttributes.agentName]: context.agentPath.at(-1) ?? "",
      ...(run ? { [traceAttributes.runId]: run.runId } : {}),
    };
    return inSpan(`execute_tool ${this.name}`, { attributes }, async (span) => {
      const content = run?.traceContent;
      if (content) span.setAttribute(traceAttributes.toolArguments, valueForTrace(rawArgs, content));
      const result = await this.callUntraced(rawArgs, context);
      if (content)
        span.setAttribute(
          traceAttributes.toolResult,
          valueForTrace(isToolImage(result) ? "[image]" : result, content),
        );
      return result;
    });
  }

  private async callUntraced(rawArgs: unknown, context: ToolContext): Promise<unknown> {
    const args = this.normaliseArguments(rawArgs);
    this.validateArguments(args);
    if (!this.setupPromise) this.setupPromise = Promise.resolve(this.setup());
    try {
      await this.setupPromise;
      return await this.forward(args, context);
    } catch (error) {
      if (error instanceof AgentError || isAbortError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AgentToolExecutionError(`Error executing tool '${this.name}': ${message}`, { cause: error });
    }
  }

  /** Accept a bare value for single-input tools and a JSON string of the arguments object. */
  normaliseArguments(rawArgs: unknown): Record<string, unknown> {
    let args = rawArgs;
    if (typeof args === "string") {
      try {
        const parsed = JSON.parse(args);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) args = parsed;
      } catch {
        // not JSON: treated as a bare value below
      }
    }
    const names = Object.keys(this.inputs);
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      const required = names.filter((name) => !this.inputs[name]?.nullable);
      const target = names.length === 1 ? names[0] : required.length === 1 ? required[0] : undefined;
      if (target !== undefined && args !== undefined) return { [target]: args };
      if (args === undefined || args === null) return {};
      throw new AgentToolCallError(
        `Tool '${this.name}' expects an object of arguments (${names.join(", ")}), got ${JSON.stringify(args)}`,
      );
    }
    return args as Record<string, unknown>;
  }

  validateArguments(args: Record<string, unknown>): void {
    for (const key of Object.keys(args)) {
      if (!(key in this.inputs)) {
        throw new AgentToolCallError(
          `Tool '${this.name}' got an unexpected argument '${key}'; its arguments are: ${Object.keys(this.inputs).join(", ") || "none"}`,
        );
      }
    }
    for (const [name, input] of Object.entries(this.inputs)) {
      const value = args[name];
      if (value === undefined || value === null) {
        if (input.nullable || input.type === "any" || input.type === "null") continue;
        throw new AgentToolCallError(
          `Tool '${this.name}': argument '${name}' is required (${input.description})`,
        );
      }
      if (!matchesType(value, input.type)) {
        throw new AgentToolCallError(
          `Tool '${this.name}': argument '${name}' should be of type ${input.type}, got ${describeType(value)}`,
        );
      }
      if (input.enum && !input.enum.includes(value as string | number)) {
        throw new AgentToolCallError(
          `Tool '${this.name}': argument '${name}' must be one of ${input.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value)}`,
        );
      }
    }
  }

  /** `def name(a: str, b: int | None = None) -> str:` with the docstring, for code agents' prompts. */
  toPythonSignature(): string {
    const params = Object.entries(this.inputs).map(([name, input]) => {
      const type = pythonTypes[input.type];
      return input.nullable ? `${name}: ${type} | None = None` : `${name}: ${type}`;
    });
    const args = Object.entries(this.inputs)
      .map(([name, input]) => `        ${name}: ${input.description}`)
      .join("\n");
    const doc = [
      `    """${this.description}`,
      args ? `\n    Args:\n${args}` : "",
      `\n    Returns:\n        ${pythonTypes[this.outputType]}`,
      `    """`,
    ].join("\n");
    return `def ${this.name}(${params.join(", ")}) -> ${pythonTypes[this.outputType]}:\n${doc}`;
  }

  /** The OpenAI function definition. */
  toToolDefinition(): ToolDefinition {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [name, input] of Object.entries(this.inputs)) {
      properties[name] = inputJsonSchema(input);
      if (!input.nullable) required.push(name);
    }
    return {
      name: this.name,
      description: this.description,
      parameters: { type: "object", properties, required },
    };
  }
}

function inputJsonSchema(input: ToolInput): Record<string, unknown> {
  const schema: Record<string, unknown> = { ...input.schema, description: input.description };
  if (input.type === "image" || input.type === "audio") schema.type = "string";
  else if (input.type !== "any") schema.type = input.nullable ? [input.type, "null"] : input.type;
  if (input.enum) schema.enum = input.enum;
  return schema;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: ToolValueType): boolean {
  switch (type) {
    case "string":
    case "audio":
      return typeof value === "string";
    case "image":
      return typeof value === "string" || isToolImage(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    case "any":
      return true;
  }
}

/** Definition of a function tool; `inputs` is a zod object or a JSON Schema object. */
export interface FunctionToolDefinition<Args> {
  name: string;
  description: string;
  inputs:
    | z.ZodObject
    | { type: "object"; properties: Record<string, Record<string, unknown>>; required?: string[] };
  outputType?: ToolValueType;
  outputSchema?: Record<string, unknown>;
  forward: (args: Args, context: ToolContext) => Promise<unknown> | unknown;
}

/** The tool value type (and nullability) of a JSON Schema property. */
export function jsonTypeToToolType(schema: Record<string, unknown>): {
  type: ToolValueType;
  nullable: boolean;
} {
  const raw = schema.type;
  const types = Array.isArray(raw) ? (raw as string[]) : typeof raw === "string" ? [raw] : [];
  const nullable = types.includes("null");
  const main = types.find((t) => t !== "null");
  if (!main && Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as Record<string, unknown>[]).map((option) => jsonTypeToToolType(option));
    const first = options.find((option) => option.type !== "null");
    return { type: first?.type ?? "any", nullable: options.some((option) => option.type === "null") };
  }
  return {
    type: (toolValueTypes as readonly string[]).includes(main ?? "") ? (main as ToolValueType) : "any",
    nullable,
  };
}

/** A tool made from a function plus a zod or JSON Schema (smolagents' `@tool`). */
class FunctionTool<Args> extends Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, ToolInput>;
  readonly outputType: ToolValueType;
  override readonly outputSchema?: Record<string, unknown>;
  private readonly zodSchema: z.ZodType | undefined;
  private readonly run: FunctionToolDefinition<Args>["forward"];

  constructor(definition: FunctionToolDefinition<Args>) {
    super();
    this.name = definition.name;
    this.description = definition.description;
    this.outputType = definition.outputType ?? "any";
    this.outputSchema = definition.outputSchema;
    this.run = definition.forward;
    let json: { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    if (definition.inputs instanceof z.ZodObject) {
      this.zodSchema = definition.inputs;
      json = z.toJSONSchema(definition.inputs, { io: "input" }) as typeof json;
    } else {
      json = definition.inputs;
      this.zodSchema = z.fromJSONSchema(definition.inputs as Parameters<typeof z.fromJSONSchema>[0]);
    }
    const required = new Set(json.required ?? []);
    this.inputs = {};
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { type, nullable } = jsonTypeToToolType(property);
      const { type: _type, description, enum: values, ...rest } = property;
      this.inputs[name] = {
        type,
        description: typeof description === "string" ? description : "",
        nullable: nullable || !required.has(name) || undefined,
        enum: Array.isArray(values) ? (values as (string | number)[]) : undefined,
        schema: Object.keys(rest).length ? rest : undefined,
      };
    }
    this.validateDefinition();
  }

  override validateArguments(args: Record<string, unknown>): void {
    super.validateArguments(args);
    if (!this.zodSchema) return;
    const result = this.zodSchema.safeParse(args);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = issue?.path.join(".") || "(arguments)";
      throw new AgentToolCallError(`Tool '${this.name}': argument '${path}' is invalid: ${issue?.message}`);
    }
  }

  forward(args: Record<string, unknown>, context: ToolContext): Promise<unknown> | unknown {
    return this.run(args as Args, context);
  }
}

/** Make a tool from a function and a zod object (typed arguments) or a JSON Schema. */
export function defineTool<S extends z.ZodObject>(
  definition: Omit<FunctionToolDefinition<z.infer<S>>, "inputs"> & { inputs: S },
): Tool;
export function defineTool(definition: FunctionToolDefinition<Record<string, unknown>>): Tool;
export function defineTool(definition: FunctionToolDefinition<never>): Tool {
  return new FunctionTool(definition);
}

/**
 * A signal that fires when `signal` does or after `ms`, whichever is first (the timeout fires
 * as a TimeoutError). Call `clear` when done. Node 20's AbortSignal.any with AbortSignal.timeout
 * did not abort fetches reliably here, hence a plain timer.
 */
export function timeoutSignal(signal: AbortSignal, ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation timed out", "TimeoutError")),
    ms,
  );
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    },
  };
}
