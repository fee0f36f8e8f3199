// Test-only entry for a sandbox process: evaluates the JavaScript it reads from stdin (one line of
// JSON: {"code": "..."}) as an async function body with `require` in scope, and writes the JSON of its
// result to stdout. Started by the test through spawnSandboxProcess, so it runs with exactly the
// confinement of a Pyodide sandbox process: what it cannot do, an attacker who reached the JavaScript
// side of Pyodide cannot do either.
import { readSync, writeSync } from "node:fs";
import { createRequire } from "node:module";

let input = "";
const chunk = Buffer.alloc(65536);
while (!input.includes("\n")) {
  const count = readSync(0, chunk, 0, chunk.length, null);
  if (count === 0) break;
  input += chunk.subarray(0, count).toString("utf8");
}
const { code } = JSON.parse(input);
const AsyncFunction = (async () => {}).constructor;
try {
  const result = await new AsyncFunction("require", code)(createRequire(import.meta.url));
  writeSync(1, `${JSON.stringify({ ok: true, result })}\n`);
} catch (error) {
  writeSync(1, `${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`);
}
process.exit(0);
