import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Line and column (1-based) of a character offset in a text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/**
 * Read and parse a JSON file; a read or syntax error names the file and, for syntax, the line and
 * column ("agent.json: Unterminated string in JSON at line 3, column 12").
 */
export function readJsonFile(path: string): unknown {
  const name = basename(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${name}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const reason = message.replace(/\s*(?:at position \d+)?\s*(?:\(line \d+ column \d+\))?$/, "");
    if (!position) throw new Error(`${name}: ${reason}`);
    const { line, column } = lineAndColumn(text, Number(position[1]));
    throw new Error(`${name}: ${reason} at line ${line}, column ${column}`);
  }
}
