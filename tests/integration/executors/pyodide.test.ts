import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { CONTRACT_MEMORY_MB, defineExecutorContract } from "./contract";

let pool: PyodidePool;

beforeAll(async () => {
  pool = new PyodidePool({ size: 2, memoryMb: CONTRACT_MEMORY_MB });
  await pool.warm(1);
});

afterAll(async () => {
  await pool.close();
});

defineExecutorContract("pyodide", (options) =>
  createExecutor(
    { kind: "pyodide" },
    {
      ...options,
      memoryMb: options.memoryMb ?? CONTRACT_MEMORY_MB,
      pyodidePool: pool,
      pyodidePoolMemoryMb: CONTRACT_MEMORY_MB,
    },
  ),
);

describe("pyodide warm pool", () => {
  it("hands out a process it booted beforehand instead of booting one for the run", async () => {
    // How fast the hand-out is belongs to bench/sandbox (warm start); here: that it is a hand-out.
    await pool.warm();
    const waiting = pool.available;
    const executor = await createExecutor(
      { kind: "pyodide" },
      { pyodidePool: pool, pyodidePoolMemoryMb: CONTRACT_MEMORY_MB, memoryMb: CONTRACT_MEMORY_MB },
    );
    const out = await executor.run("1 + 1");
    expect(pool.available).toBe(waiting - 1);
    await executor.close();
    expect(out.output).toBe(2);
  });

  it("never gives the same sandbox process to two runs", async () => {
    await pool.warm(2);
    const options = {
      pyodidePool: pool,
      pyodidePoolMemoryMb: CONTRACT_MEMORY_MB,
      memoryMb: CONTRACT_MEMORY_MB,
    };
    const first = await createExecutor({ kind: "pyodide" }, options);
    await first.run("left_behind = 1");
    await first.close();
    const second = await createExecutor({ kind: "pyodide" }, options);
    const out = await second.run("left_behind");
    await second.close();
    expect(out.error?.pythonType).toBe("NameError");
  });
});
