import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

/** `npm run sandbox`: one step from stdin, one JSON line out; `--authorized-imports '*'` lifts the policy. */
function sandbox(args: string[], code: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/sandbox.ts", ...args],
      { cwd: process.cwd(), timeout: 120_000 },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
      },
    );
    child.stdin?.end(code);
  });
}

describe("npm run sandbox", () => {
  it("accepts --authorized-imports '*' on Pyodide, and keeps the default policy without it", async () => {
    const code = "import gc\ntype(gc.get_objects()).__name__";
    const [open, closed] = await Promise.all([
      sandbox(["--executor", "pyodide", "--authorized-imports", "*"], code),
      sandbox(["--executor", "pyodide"], code),
    ]);
    expect(open).toMatchObject({ ok: true, output: "list", error: null });
    expect(closed).toMatchObject({ ok: false, error: { type: "ImportError" } });
  });
});
