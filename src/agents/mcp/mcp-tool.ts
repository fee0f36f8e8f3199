import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  jsonTypeToToolType,
  Tool,
  type ToolContext,
  type ToolImage,
  type ToolInput,
  type ToolValueType,
} from "../tools/tool";
import type { McpConnection, McpToolInfo } from "./mcp-connection";

const pythonKeywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/**
 * A Python identifier for an MCP name (tools and arguments become Python names for code agents):
 * other characters become `_`, a leading digit or a keyword gets `_` (smolagents' MCP adapter does
 * the same).
 */
export function pythonName(name: string): string {
  let result = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (result === "" || /^[0-9]/.test(result)) result = `_${result}`;
  if (pythonKeywords.has(result)) result = `${result}_`;
  return result;
}

/** A tool's JSON-Schema inputs as engine inputs, with the MCP name of each argument. */
export function mcpInputs(schema: McpToolInfo["inputSchema"]): {
  inputs: Record<string, ToolInput>;
  argumentNames: Map<string, string>;
} {
  const required = new Set(schema.required ?? []);
  const inputs: Record<string, ToolInput> = {};
  const argumentNames = new Map<string, string>();
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const property = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const { type, nullable } = jsonTypeToToolType(property);
    const { type: _type, description, enum: values, ...rest } = property;
    const local = pythonName(name);
    if (argumentNames.has(local)) {
      throw new Error(
        `arguments '${argumentNames.get(local)}' and '${name}' have the same Python name '${local}'`,
      );
    }
    argumentNames.set(local, name);
    inputs[local] = {
      type,
      description: typeof description === "string" ? description : "",
      nullable: nullable || !required.has(name) || undefined,
      enum: Array.isArray(values) ? (values as (string | number)[]) : undefined,
      schema: Object.keys(rest).length ? rest : undefined,
    };
  }
  return { inputs, argumentNames };
}

/**
 * What a tool call returns as the engine's observation: the structured content when the server sent
 * one, else the text items joined, or the first image when there is one (images reach vision models
 * the way the engine's other image tools do; smolagents' adapter likewise returns one item). A
 * result marked as an error throws, with its text, so the model sees it as a failed call.
 */
export function toObservation(result: CallToolResult): unknown {
  const texts: string[] = [];
  let image: ToolImage | undefined;
  for (const item of result.content ?? []) {
    switch (item.type) {
      case "text":
        texts.push(item.text);
        break;
      case "image":
        image ??= { type: "image", image: `data:${item.mimeType};base64,${item.data}` };
        break;
      case "audio":
        texts.push(`[audio: ${item.mimeType}, ${Math.round((item.data.length * 3) / 4)} bytes]`);
        break;
      case "resource":
        texts.push("text" in item.resource ? item.resource.text : `[resource: ${item.resource.uri}]`);
        break;
      case "resource_link":
        texts.push(`[resource: ${item.uri}${item.description ? ` — ${item.description}` : ""}]`);
        break;
    }
  }
  if (result.isError) throw new Error(texts.join("\n") || "the tool reported an error");
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (image) return image;
  return texts.join("\n");
}

/** One tool of an MCP server, called over the run's connection to it. */
export class McpTool extends Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, ToolInput>;
  readonly outputType: ToolValueType;
  override readonly outputSchema?: Record<string, unknown>;
  private readonly argumentNames: Map<string, string>;

  constructor(
    private readonly connection: McpConnection,
    private readonly definition: McpToolInfo,
  ) {
    super();
    this.name = pythonName(definition.name);
    this.description = definition.description ?? definition.title ?? "";
    const { inputs, argumentNames } = mcpInputs(definition.inputSchema);
    this.inputs = inputs;
    this.argumentNames = argumentNames;
    this.outputSchema = definition.outputSchema as Record<string, unknown> | undefined;
    this.outputType = this.outputSchema ? "object" : "string";
    this.validateDefinition();
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    const remote: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
      if (value !== undefined && value !== null) remote[this.argumentNames.get(key) ?? key] = value;
    }
    return toObservation(await this.connection.callTool(this.definition.name, remote, context.signal));
  }

  /** Closing any tool of a server ends the run's session with it (idempotent). */
  override close(): Promise<void> {
    return this.connection.close();
  }
}
