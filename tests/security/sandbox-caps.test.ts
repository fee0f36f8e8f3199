import { afterAll, describe, expect, it } from "vitest";
import { createExecutor } from "~/agents/executors";
import { PyodideProcessTransport } from "~/agents/executors/pyodide-pool";
import type { PythonExecutor } from "~/agents/executors/python-executor";
import { MAX_VALUE_CHARS } from "~/agents/executors/runner-protocol";

/**
 * Output caps hold on the host even when the code inside the sandbox raises its own: with every
 * import authorized, Python finds the runner through gc and lifts its print cap and value cap.
 */
const executors: PythonExecutor[] = [];
afterAll(async () => {
  await Promise.all(executors.map((executor) => executor.close()));
});

// Modules come back read-only, so the attacker edits the runner's globals through gc instead.
const RAISE_CAPS = `import gc
for o in gc.get_objects():
    if type(o).__name__ == 'Runner':
        o.max_output = 10**9
    elif type(o) is dict and 'MAX_VALUE_REPR' in o:
        o['MAX_VALUE_REPR'] = 10**9
`;

describe("host-side output caps on Pyodide", () => {
  it("cuts print output and the value past the host's caps after the runner's own were raised", async () => {
    const executor = await createExecutor(
      { kind: "pyodide" },
      { authorizedImports: ["*"], maxOutputChars: 1000, memoryMb: 256, pyodideSnapshot: false },
    );
    executors.push(executor);
    const raise = await executor.run(RAISE_CAPS);
    expect(raise.error).toBeNull();
    const raised = await executor.run("print('x' * 5000)");
    expect(raised.error).toBeNull();
    // The runner no longer cuts: what arrives is cut by the host.
    expect(raised.logs).toMatch(/^x{1000}\n\[output truncated by the host: 4001 more characters\]$/);
    const big = await executor.run("['y' * 1000 for _ in range(200)]");
    expect(big.error).toBeNull();
    expect(typeof big.output).toBe("string");
    expect((big.output as string).length).toBeLessThan(MAX_VALUE_CHARS + 200);
    expect(big.output as string).toMatch(/\[value truncated by the host: \d+ more characters\]$/);
  });
});

describe("host-side memory watchdog on a Pyodide process", () => {
  it("kills a sandbox process whose resident memory passes the limit, reported as MemoryLimit", async () => {
    // A 400 MiB limit: above a booted process (~200 MiB), below one holding 320 MiB of Python data.
    const transport = await PyodideProcessTransport.start({
      memoryMb: 512,
      rssLimitMb: 400,
      snapshot: false,
    });
    const grow = transport.request(
      {
        type: "exec",
        id: "r1",
        code: "blocks = []\nfor _ in range(40):\n    blocks.append(bytearray(8 * 1024 * 1024))\nimport time\nwhile True:\n    time.sleep(0.05)",
      },
      async () => ({ type: "result", id: "none", ok: false, error: "no tools" }),
    );
    await expect(grow).rejects.toMatchObject({ reason: "MemoryLimit" });
    expect(transport.alive).toBe(false);
  });
});
