import type { BuiltinToolName, ToolValueType } from "../agent-spec";
import {
  dedent,
  findFunction,
  functionInputs,
  indent,
  isToolValueType,
  PythonLiteralError,
  parsePythonLiteral,
  pythonString,
  toPythonLiteral,
} from "./python";

/**
 * `tools/<name>.py` of a smolagents folder: written for a Troupe tool (a `Tool` subclass, as
 * smolagents' `save()` writes them) and read back (a `Tool` subclass or a `@tool` function),
 * without running Python.
 */

/** A Troupe builtin tool and the smolagents default tool it stands for (`smolagents.default_tools`). */
export const smolagentsDefaultTools: Record<BuiltinToolName, string> = {
  final_answer: "FinalAnswerTool",
  web_search: "WebSearchTool",
  visit_webpage: "VisitWebpageTool",
  python_interpreter: "PythonInterpreterTool",
  user_input: "UserInputTool",
  speech_to_text: "SpeechToTextTool",
};

/** smolagents' default tool classes that map to a Troupe builtin (several search tools are one `web_search`). */
const builtinOfClass: Record<string, BuiltinToolName> = {
  FinalAnswerTool: "final_answer",
  WebSearchTool: "web_search",
  DuckDuckGoSearchTool: "web_search",
  GoogleSearchTool: "web_search",
  ApiWebSearchTool: "web_search",
  VisitWebpageTool: "visit_webpage",
  PythonInterpreterTool: "python_interpreter",
  UserInputTool: "user_input",
  SpeechToTextTool: "speech_to_text",
};

/** Tool names smolagents' default tools register under, mapped to Troupe builtins. */
const builtinOfName: Record<string, BuiltinToolName> = {
  final_answer: "final_answer",
  web_search: "web_search",
  visit_webpage: "visit_webpage",
  python_interpreter: "python_interpreter",
  user_input: "user_input",
  transcriber: "speech_to_text",
  speech_to_text: "speech_to_text",
};

const pythonHintOf: Partial<Record<ToolValueType, string>> = {
  string: "str",
  integer: "int",
  number: "float",
  boolean: "bool",
  object: "dict",
  array: "list",
  any: "Any",
  null: "None",
};

/** Header of every Python tool file this module writes. */
const generatedHeader = "from typing import Any, Optional\n\nfrom smolagents import Tool\n\n\n";

/** A class name for a tool (`get_weather` → `GetWeatherTool`). */
function className(name: string): string {
  const camel = name
    .split("_")
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
  return `${camel || "Custom"}Tool`;
}

/** The file of a Troupe builtin: a subclass of the smolagents default tool it maps to, under the Troupe name. */
export function builtinToolFile(name: BuiltinToolName): string {
  const base = smolagentsDefaultTools[name];
  return `from smolagents import default_tools\n\n\nclass ${base}(default_tools.${base}):\n    name = ${JSON.stringify(name)}\n`;
}

/** The description the engine shows for a Python tool whose spec leaves it empty. */
function derivedDescription(name: string, doc: string): string {
  return doc.split("\n\n")[0] || name;
}

/**
 * The file of a Troupe Python tool: its source as written, then a `Tool` subclass whose `forward`
 * calls the function (so imports and helpers around it keep working).
 */
export function pythonToolFile(spec: { name: string; description: string; source: string }): string {
  const fn = findFunction(spec.source, spec.name);
  if (!fn) throw new Error(`Python tool '${spec.name}' does not define a function named '${spec.name}'`);
  const inputs = functionInputs(fn);
  const outputType = fn.returnHint ? hintOutput(fn.returnHint) : "any";
  const signature = fn.params
    .filter((p) => p.name !== "self")
    .map(
      (p) =>
        `${p.name}${p.hint ? `: ${p.hint}` : ""}${p.defaultValue !== undefined ? ` = ${p.defaultValue}` : ""}`,
    );
  const call = fn.params
    .filter((p) => p.name !== "self")
    .map((p) => `${p.name}=${p.name}`)
    .join(", ");
  const description = spec.description || derivedDescription(spec.name, fn.doc);
  return `${generatedHeader}${spec.source.trim()}\n\n\nclass ${className(spec.name)}(Tool):
    name = ${JSON.stringify(spec.name)}
    description = ${pythonString(description)}
    inputs = ${toPythonLiteral(inputs)}
    output_type = ${JSON.stringify(outputType)}

    def forward(${["self", ...signature].join(", ")})${fn.returnHint ? ` -> ${fn.returnHint}` : ""}:
        return ${spec.name}(${call})
`;
}

function hintOutput(hint: string): ToolValueType {
  const base = hint
    .replace(/^Optional\[(.*)\]$/, "$1")
    .split("[")[0]!
    .trim();
  const map: Record<string, ToolValueType> = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "array",
    None: "null",
  };
  return map[base] ?? "any";
}

/** A tool read from a `tool.py`. */
export type ImportedTool =
  | { kind: "builtin"; name: BuiltinToolName }
  | { kind: "python"; name: string; description: string; source: string };

export type ParseToolFileResult = { ok: true; tool: ImportedTool } | { ok: false; message: string };

/** The body of a top-level class statement, as written. */
function classBlock(source: string, start: number): { end: number; body: string } {
  const rest = source.slice(start);
  const lines = rest.split("\n");
  let length = lines[0]!.length + 1;
  for (const line of lines.slice(1)) {
    if (line.trim() && !/^[ \t]/.test(line)) break;
    length += line.length + 1;
  }
  const end = Math.min(source.length, start + length);
  return { end, body: source.slice(start, end) };
}

/** Opened minus closed brackets on a line, outside string literals. */
function bracketDepth(line: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === "\\") i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "#") break;
    else if ("([{".includes(char)) depth++;
    else if (")]}".includes(char)) depth--;
  }
  return depth;
}

/** A class attribute assigned a literal (`name = "add"`), read without running Python. */
function classAttribute(
  body: string,
  attribute: string,
): { found: boolean; value?: unknown; error?: string } {
  const match = new RegExp(`^\\s{4}${attribute}\\s*(?::[^=]+)?=\\s*`, "m").exec(body);
  if (!match) return { found: false };
  const start = match.index + match[0].length;
  // The literal runs until the next line at class-body indentation that starts something new.
  const lines = body.slice(start).split("\n");
  const taken: string[] = [lines[0]!];
  let depth = bracketDepth(lines[0]!);
  for (const line of lines.slice(1)) {
    if (depth <= 0 && (/^ {4}\S/.test(line) || /^\S/.test(line))) break;
    taken.push(line);
    depth += bracketDepth(line);
  }
  let text = taken.join("\n").trim();
  while (text) {
    try {
      return { found: true, value: parsePythonLiteral(text) };
    } catch (error) {
      // A trailing comment or blank lines end the literal; shorten and retry once per line.
      const cut = text.lastIndexOf("\n");
      if (cut < 0)
        return { found: true, error: error instanceof PythonLiteralError ? error.message : String(error) };
      text = text.slice(0, cut).trim();
    }
  }
  return { found: true, error: "empty value" };
}

/**
 * Read one tool from a `tool.py`: a `@tool` function (its signature and docstring are the tool)
 * or a `Tool` subclass (`name`, `description`, `inputs`, `output_type` and `forward`). smolagents'
 * default tools become Troupe builtins. Never runs the code; `file` names the file in messages.
 */
export function parseToolFile(fileText: string, file = "tool.py"): ParseToolFileResult {
  const text = fileText.replace(/\r\n?/g, "\n");
  const fail = (message: string): ParseToolFileResult => ({ ok: false, message: `${file}: ${message}` });

  const decorated = /^@(?:smolagents\.)?tool\s*$/m.exec(text);
  if (decorated) {
    const fn = findFunction(text.slice(decorated.index), undefined, "");
    if (!fn) return fail("@tool is not followed by a function");
    if (!fn.doc) return fail(`the @tool function '${fn.name}' has no docstring (smolagents needs one)`);
    const source = text
      .replace(/^@(?:smolagents\.)?tool\s*\n/m, "")
      .replace(/^from smolagents import tool\s*\n/m, "")
      .replace(/^import smolagents\s*\n/m, "")
      .trim();
    return { ok: true, tool: { kind: "python", name: fn.name, description: "", source: `${source}\n` } };
  }

  const classMatch = /^class\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)\s*:/m.exec(
    text,
  );
  if (!classMatch) return fail("no @tool function and no Tool subclass found");
  const base = classMatch[2]!.split(".").at(-1)!;
  const block = classBlock(text, classMatch.index);
  const name = classAttribute(block.body, "name");
  if (name.found && name.error) return fail(`the tool's name is not a literal (${name.error})`);
  const toolName = typeof name.value === "string" ? name.value : undefined;
  const builtin = builtinOfClass[base] ?? (toolName ? builtinOfName[toolName] : undefined);
  if (builtin && (base !== "Tool" || (toolName && builtinOfName[toolName]))) {
    return { ok: true, tool: { kind: "builtin", name: builtin } };
  }
  if (base !== "Tool") {
    return fail(
      `class ${classMatch[1]} extends ${classMatch[2]}, which is neither Tool nor a smolagents default tool`,
    );
  }
  if (!toolName) return fail(`class ${classMatch[1]} has no name = "…" attribute`);
  const description = classAttribute(block.body, "description");
  if (description.error || typeof description.value !== "string") {
    return fail(`tool '${toolName}': description must be a string literal`);
  }
  const inputs = classAttribute(block.body, "inputs");
  if (
    inputs.error ||
    typeof inputs.value !== "object" ||
    inputs.value === null ||
    Array.isArray(inputs.value)
  ) {
    return fail(
      `tool '${toolName}': inputs must be a dict literal${inputs.error ? ` (${inputs.error})` : ""}`,
    );
  }
  const outputType = classAttribute(block.body, "output_type");
  if (!isToolValueType(outputType.value)) {
    return fail(
      `tool '${toolName}': output_type must be one of smolagents' types, got ${String(outputType.value)}`,
    );
  }
  const forward = findFunction(block.body, "forward", "    ");
  if (!forward) return fail(`tool '${toolName}' has no forward method`);
  if (/\bself\s*\./.test(forward.body)) {
    return fail(
      `tool '${toolName}': forward uses self (attributes or setup), which a Troupe Python tool cannot carry`,
    );
  }
  const declared = inputs.value as Record<string, { type?: unknown; description?: unknown }>;
  const outside = (text.slice(0, classMatch.index) + text.slice(block.end))
    .replace(generatedHeader.trim(), "")
    .replace(/^from smolagents import Tool\s*$/m, "")
    .replace(/^from typing import Any, Optional\s*$/m, "")
    .trim();

  // A file this module wrote: the function is at module level and forward only calls it.
  const delegate = new RegExp(`^\\s*return\\s+${toolName}\\(`).exec(forward.body.trim());
  if (delegate && findFunction(outside, toolName)) {
    const fn = findFunction(outside, toolName)!;
    const descriptionText =
      description.value === derivedDescription(toolName, fn.doc) ? "" : description.value;
    return {
      ok: true,
      tool: { kind: "python", name: toolName, description: descriptionText, source: `${outside}\n` },
    };
  }

  const params = forward.params.filter((p) => p.name !== "self");
  const signature = params
    .map((p) => {
      const declaredType = declared[p.name]?.type;
      const hint = p.hint || (isToolValueType(declaredType) ? (pythonHintOf[declaredType] ?? "") : "");
      return `${p.name}${hint ? `: ${hint}` : ""}${p.defaultValue !== undefined ? ` = ${p.defaultValue}` : ""}`;
    })
    .join(", ");
  const returnHint = forward.returnHint || pythonHintOf[outputType.value] || "";
  let body = dedent(forward.body);
  if (!forward.doc) {
    const args = Object.entries(declared)
      .map(([arg, spec]) => `    ${arg}: ${typeof spec.description === "string" ? spec.description : ""}`)
      .join("\n");
    const doc = `${description.value}${args ? `\n\nArgs:\n${args}` : ""}`;
    body = `"""${doc.replace(/"""/g, '\\"\\"\\"')}\n"""\n${body}`;
  }
  const functionSource = `def ${toolName}(${signature})${returnHint ? ` -> ${returnHint}` : ""}:\n${indent(body, "    ")}`;
  const source = `${outside ? `${outside}\n\n\n` : ""}${functionSource}\n`;
  const fn = findFunction(source, toolName);
  const descriptionText =
    fn && description.value === derivedDescription(toolName, fn.doc) ? "" : description.value;
  return { ok: true, tool: { kind: "python", name: toolName, description: descriptionText, source } };
}
