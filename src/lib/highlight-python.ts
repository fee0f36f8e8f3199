/**
 * A light Python highlighter for code actions on the run page: splits source into tokens a
 * component colours. Not a parser: it knows keywords, builtins, strings (prefixed and triple
 * quoted), comments, numbers, decorators and called names, which is what reading an action needs.
 */

export type PythonTokenType =
  | "keyword"
  | "builtin"
  | "string"
  | "comment"
  | "number"
  | "decorator"
  | "function"
  | "text";

export interface PythonToken {
  type: PythonTokenType;
  text: string;
}

const KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield match case"
  ).split(" "),
);

const BUILTINS = new Set(
  (
    "print len range str int float list dict set tuple bool sum min max sorted enumerate zip map filter " +
    "abs round any all isinstance open type repr format final_answer"
  ).split(" "),
);

const PATTERN = new RegExp(
  [
    /(?<comment>#[^\n]*)/.source,
    /(?<string>(?:[rRbBuUfF]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))/
      .source,
    /(?<decorator>@[A-Za-z_][\w.]*)/.source,
    /(?<number>\b(?:0[xX][\da-fA-F_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?j?)\b)/.source,
    /(?<name>[A-Za-z_]\w*)/.source,
  ].join("|"),
  "g",
);

/** Tokens whose texts, joined, give back `source` exactly. */
export function highlightPython(source: string): PythonToken[] {
  const tokens: PythonToken[] = [];
  const push = (type: PythonTokenType, text: string) => {
    const last = tokens.at(-1);
    if (last && last.type === type && type === "text") last.text += text;
    else if (text) tokens.push({ type, text });
  };
  let index = 0;
  for (const match of source.matchAll(PATTERN)) {
    const start = match.index ?? 0;
    if (start > index) push("text", source.slice(index, start));
    const groups = match.groups ?? {};
    const text = match[0];
    if (groups.comment !== undefined) push("comment", text);
    else if (groups.string !== undefined) push("string", text);
    else if (groups.decorator !== undefined) push("decorator", text);
    else if (groups.number !== undefined) push("number", text);
    else if (KEYWORDS.has(text)) push("keyword", text);
    else if (BUILTINS.has(text)) push("builtin", text);
    else if (source[start + text.length] === "(") push("function", text);
    else push("text", text);
    index = start + text.length;
  }
  if (index < source.length) push("text", source.slice(index));
  return tokens;
}
