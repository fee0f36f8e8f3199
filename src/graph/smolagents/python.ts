import { type ToolValueType, toolValueTypes } from "../agent-spec";

/**
 * The little Python a smolagents folder needs, read and written without running Python: literals
 * (a tool's `inputs` dict), function signatures with type hints and docstrings, and the two ways a
 * `tool.py` defines a tool (`@tool` function, `Tool` subclass). Pure and browser-safe.
 */

/** A Python literal of a JSON value, as `repr` writes it (`{'a': {'type': 'integer'}}`). */
export function toPythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(toPythonLiteral).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${toPythonLiteral(v)}`).join(", ")}}`;
  }
  return "None";
}

/** A Python string literal (single quotes unless the text has some and no double quotes, like `repr`). */
export function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += `\\${quote}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char < " ") out += `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}

/** Why a Python literal could not be read. */
export class PythonLiteralError extends Error {}

/**
 * Read a Python literal (dicts, lists, tuples, strings, numbers, True/False/None) into JSON values;
 * anything else (names, calls, expressions) is refused with the offset.
 */
export function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new PythonLiteralError(`${what} at offset ${i}`);
  };
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text[i] === "#") {
        while (i < text.length && text[i] !== "\n") i++;
      } else if (text[i] === "\\" && text[i + 1] === "\n") i += 2;
      else return;
    }
  };
  const readString = (): string => {
    let raw = false;
    while (/[rRuUbBfF]/.test(text[i] ?? "")) {
      if (/[fF]/.test(text[i]!)) fail("f-strings are not literals");
      if (/[rR]/.test(text[i]!)) raw = true;
      i++;
    }
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return fail("Expected a string");
    const triple = text.startsWith(quote.repeat(3), i);
    const end = triple ? quote.repeat(3) : quote;
    i += end.length;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("Unterminated string");
      if (text.startsWith(end, i)) {
        i += end.length;
        return out;
      }
      const char = text[i]!;
      if (!triple && char === "\n") fail("Unterminated string");
      if (char === "\\" && !raw) {
        const next = text[i + 1] ?? "";
        const simple: Record<string, string> = {
          n: "\n",
          t: "\t",
          r: "\r",
          "\\": "\\",
          "'": "'",
          '"': '"',
          "0": "\0",
          "\n": "",
        };
        if (next in simple) {
          out += simple[next];
          i += 2;
        } else if (next === "x" || next === "u" || next === "U") {
          const length = next === "x" ? 2 : next === "u" ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + length);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) fail("Bad escape");
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          i += 2 + length;
        } else {
          out += char;
          i++;
        }
      } else {
        out += char;
        i++;
      }
    }
  };
  const readValue = (depth: number): unknown => {
    if (depth > 64) fail("Nested too deeply");
    skip();
    const char = text[i];
    if (char === undefined) return fail("Expected a value");
    if (char === "{" || char === "[" || char === "(") {
      const close = char === "{" ? "}" : char === "[" ? "]" : ")";
      i++;
      const items: unknown[] = [];
      const entries: [string, unknown][] = [];
      let commas = 0;
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          break;
        }
        if (char === "{") {
          const key = readValue(depth + 1);
          if (typeof key !== "string" && typeof key !== "number")
            fail("Dict keys must be strings or numbers");
          skip();
          if (text[i] !== ":") fail("Expected ':'");
          i++;
          entries.push([String(key), readValue(depth + 1)]);
        } else items.push(readValue(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          commas++;
        } else if (text[i] !== close) fail(`Expected ',' or '${close}'`);
      }
      // A parenthesised value without a comma is the value itself, not a tuple.
      if (char === "(" && items.length === 1 && commas === 0) return items[0];
      if (char !== "{") return items;
      const object: Record<string, unknown> = Object.create(null);
      for (const [key, value] of entries) object[key] = value;
      return { ...object };
    }
    if (/['"rRuUbBfF]/.test(char) && /['"]/.test(text.slice(i, i + 3).replace(/^[rRuUbBfF]+/, "")[0] ?? "")) {
      let value = readString();
      // Adjacent literals concatenate ('a' 'b').
      for (;;) {
        const at = i;
        skip();
        if (/['"]/.test(text[i] ?? "")) value += readString();
        else {
          i = at;
          return value;
        }
      }
    }
    const word = /^(?:True|False|None)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === "True" ? true : word[0] === "False" ? false : null;
    }
    const number = /^-?(?:\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+)/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return Number(number[0].replace(/_/g, ""));
    }
    return fail("Not a literal");
  };
  const value = readValue(0);
  skip();
  if (i < text.length) fail("Unexpected text after the literal");
  return value;
}

const hintTypes: Record<string, ToolValueType> = {
  str: "string",
  int: "integer",
  float: "number",
  bool: "boolean",
  dict: "object",
  list: "array",
  None: "null",
  Any: "any",
  "PIL.Image.Image": "image",
  Image: "image",
};

/** One parameter of a Python function. */
export interface PythonParam {
  name: string;
  /** The annotation as written (`int`, `Optional[str]`), or "" without one. */
  hint: string;
  /** The default as written, if any. */
  defaultValue?: string;
}

/** What a Python function's `def` line and docstring say. */
export interface PythonFunction {
  name: string;
  params: PythonParam[];
  returnHint: string;
  /** The docstring, dedented, without its quotes ("" when none). */
  doc: string;
  /** Offset of the `def` (or its first decorator) and of the end of the function in the source. */
  start: number;
  end: number;
  /** The body's lines (docstring included), as written. */
  body: string;
  /** Indentation of the `def` line. */
  indent: string;
}

/** Split at top-level commas (brackets and strings nest). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      current += char;
      if (char === "\\") current += text[++i] ?? "";
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    if ("([{".includes(char)) depth++;
    if (")]}".includes(char)) depth--;
    if (char === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += char;
  }
  if (current.trim()) out.push(current);
  return out.map((p) => p.trim()).filter(Boolean);
}

function splitParam(param: string): PythonParam {
  const parts = splitTopLevel(param.replace(/=/, "\u0000")).join(",");
  const [left = "", defaultValue] = parts.split("\u0000");
  const colon = left.indexOf(":");
  const name = (colon < 0 ? left : left.slice(0, colon)).trim();
  const hint = colon < 0 ? "" : left.slice(colon + 1).trim();
  return { name, hint, ...(defaultValue !== undefined ? { defaultValue: defaultValue.trim() } : {}) };
}

/** Remove the common leading whitespace of non-blank lines. */
export function dedent(text: string): string {
  const lines = text.split("\n");
  const widths = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(Math.min(cut, /^[ \t]*/.exec(l)![0].length))).join("\n");
}

/** Indent every non-blank line. */
export function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => (l.trim() ? by + l : l))
    .join("\n");
}

/**
 * Find `def <name>(…)` (any name when omitted) at the given indentation and read its signature,
 * docstring and extent. Undefined when there is none.
 */
export function findFunction(source: string, name?: string, atIndent = ""): PythonFunction | undefined {
  const pattern = new RegExp(
    `^${atIndent}(?:async\\s+)?def\\s+(${name ?? "[A-Za-z_][A-Za-z0-9_]*"})\\s*\\(`,
    "m",
  );
  const match = pattern.exec(source);
  if (!match) return undefined;
  let i = match.index + match[0].length;
  let depth = 1;
  let quote: string | undefined;
  const paramsStart = i;
  for (; i < source.length && depth > 0; i++) {
    const char = source[i]!;
    if (quote) {
      if (char === "\\") i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "(" || char === "[" || char === "{") depth++;
    else if (char === ")" || char === "]" || char === "}") depth--;
  }
  const paramsText = source.slice(paramsStart, i - 1);
  const colon = source.indexOf(":", i);
  const arrow = /^\s*->\s*([^:]+?)\s*$/.exec(source.slice(i, colon));
  const headerEnd = source.indexOf("\n", colon);
  const lines = source.slice(headerEnd < 0 ? source.length : headerEnd + 1).split("\n");
  const bodyLines: string[] = [];
  for (const line of lines) {
    if (line.trim() && /^[ \t]*/.exec(line)![0].length <= atIndent.length) break;
    bodyLines.push(line);
  }
  while (bodyLines.length && !bodyLines.at(-1)!.trim()) bodyLines.pop();
  const body = bodyLines.join("\n");
  const docMatch = /^\s*[rR]?("""|''')([\s\S]*?)\1/.exec(body);
  let start = match.index;
  const before = source.slice(0, start).split("\n");
  before.pop();
  while (before.length && new RegExp(`^${atIndent}@`).test(before.at(-1)!)) {
    start -= before.pop()!.length + 1;
  }
  const bodyStart = headerEnd < 0 ? source.length : headerEnd + 1;
  return {
    name: match[1]!,
    params: splitTopLevel(paramsText)
      .map(splitParam)
      .filter((p) => p.name && p.name !== "*" && !p.name.startsWith("*") && p.name !== "/"),
    returnHint: arrow?.[1]?.trim() ?? "",
    doc: docMatch ? dedent(docMatch[2]!).trim() : "",
    start,
    end: bodyStart + body.length,
    body,
    indent: atIndent,
  };
}

/** A type hint as a smolagents value type (`Optional[int]` → integer), and whether it allows None. */
export function hintType(hint: string): { type: ToolValueType; nullable: boolean } {
  const nullable = /\bNone\b|Optional\[/.test(hint);
  const base =
    hint
      .replace(/^Optional\[(.*)\]$/, "$1")
      .split("|")
      .map((part) => part.trim())
      .find((part) => part && part !== "None")
      ?.split("[")[0]
      ?.trim() ?? "";
  return { type: hintTypes[base] ?? "any", nullable };
}

/** Per-argument descriptions of a Google-style docstring's `Args:` section. */
export function docArgs(doc: string): Record<string, string> {
  const out: Record<string, string> = {};
  const section =
    /(?:^|\n)\s*(?:Args|Arguments|Parameters):\s*\n([\s\S]*?)(?:\n\s*(?:Returns|Raises|Yields|Examples?):|$)/.exec(
      doc,
    );
  if (!section) return out;
  let current: string | undefined;
  for (const line of (section[1] ?? "").split("\n")) {
    const arg = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(.*)$/.exec(line);
    if (arg) {
      current = arg[1]!;
      out[current] = arg[2]!.trim();
    } else if (current && line.trim()) out[current] = `${out[current]} ${line.trim()}`.trim();
  }
  return out;
}

/** The docstring's summary: everything before its `Args:` (or `Returns:`) section. */
export function docSummary(doc: string): string {
  return doc.split(/\n\s*(?:Args|Arguments|Parameters|Returns|Raises):/)[0]!.trim();
}

/** A tool's inputs as smolagents declares them, read from a function's hints and docstring. */
export function functionInputs(
  fn: PythonFunction,
): Record<string, { type: ToolValueType; description: string; nullable?: true }> {
  const descriptions = docArgs(fn.doc);
  const inputs: Record<string, { type: ToolValueType; description: string; nullable?: true }> = {};
  for (const param of fn.params) {
    if (param.name === "self") continue;
    const { type, nullable } = hintType(param.hint);
    inputs[param.name] = {
      type,
      description: descriptions[param.name] ?? "",
      ...(nullable || param.defaultValue !== undefined ? { nullable: true as const } : {}),
    };
  }
  return inputs;
}

/** Whether a string is one of the value types smolagents knows. */
export function isToolValueType(value: unknown): value is ToolValueType {
  return typeof value === "string" && (toolValueTypes as readonly string[]).includes(value);
}
