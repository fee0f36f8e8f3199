import { describe, expect, it } from "vitest";
import { createExecutor, LocalExecutorNotAllowedError } from "~/agents/executors";
import { defineExecutorContract } from "./contract";

defineExecutorContract("local", (options) =>
  createExecutor({ kind: "local" }, { ...options, allowLocal: true }),
);

describe("local executor opt-in", () => {
  it("is refused without allowLocal", async () => {
    await expect(createExecutor({ kind: "local" }, {})).rejects.toBeInstanceOf(LocalExecutorNotAllowedError);
    await expect(createExecutor({ kind: "local" }, { allowLocal: false })).rejects.toThrow(/unsandboxed/);
  });
});
