import { describe, expect, it } from "vitest";
import type { SandboxIsolation } from "~/agents/executors/sandbox-process";
import { agentSpecSchema } from "~/graph/agent-spec";
import {
  checkSandboxIsolation,
  refuseSandboxOutsideLimits,
  SandboxIsolationError,
  SandboxLimitError,
} from "~/server/runs/sandbox-policy";

function recorder() {
  const lines: { level: string; args: unknown[] }[] = [];
  return {
    lines,
    logger: {
      info: (...args: unknown[]) => lines.push({ level: "info", args }),
      warn: (...args: unknown[]) => lines.push({ level: "warn", args }),
    } as never,
  };
}

const none: SandboxIsolation = {
  permissionModel: false,
  networkNamespace: false,
  emptyEnvironment: true,
  stdioOnly: true,
  warnings: ["no permission model", "no network namespace"],
};

describe("checkSandboxIsolation", () => {
  it("refuses a production start when the Pyodide sandbox has no host isolation layer", () => {
    const { logger } = recorder();
    expect(() => checkSandboxIsolation({ logger, production: true, isolation: none })).toThrow(
      SandboxIsolationError,
    );
    expect(() => checkSandboxIsolation({ logger, production: true, isolation: none })).toThrow(
      /Refusing to start: the Pyodide sandbox would run with no host isolation layer .*no network namespace/,
    );
  });

  it("starts elsewhere with warnings, and logs the layers that are active", () => {
    const { logger, lines } = recorder();
    checkSandboxIsolation({ logger, production: false, isolation: none });
    expect(lines.filter((line) => line.level === "warn").map((line) => line.args[0])).toEqual(none.warnings);
    const partial = { ...none, networkNamespace: true, warnings: ["no permission model"] };
    const logged = recorder();
    checkSandboxIsolation({ logger: logged.logger, production: true, isolation: partial });
    expect(logged.lines.at(-1)?.args).toEqual([
      {
        sandboxIsolation: {
          permissionModel: false,
          networkNamespace: true,
          emptyEnvironment: true,
          stdioOnly: true,
        },
      },
      "Pyodide sandbox isolation layers",
    ]);
  });

  it("finds both layers on this host (Node 20+, unshare -n)", () => {
    const { logger } = recorder();
    const isolation = checkSandboxIsolation({ logger, production: true });
    expect(isolation).toMatchObject({ permissionModel: true, networkNamespace: true, warnings: [] });
  });
});

describe("refuseSandboxOutsideLimits", () => {
  const limits = { images: ["troupe-sandbox:latest"], maxMemoryMb: 2048, maxCpus: 2, maxTimeoutSeconds: 300 };
  const spec = (executor: Record<string, unknown>) =>
    agentSpecSchema.parse({
      type: "code",
      name: "boss",
      model: { provider: "openai", model: "gpt-test" },
      managedAgents: [
        {
          type: "code",
          name: "coder",
          description: "writes code",
          model: { provider: "openai", model: "gpt-test" },
          executor,
        },
      ],
    });

  it("refuses a managed agent's image outside the allow-list by name, at run start", () => {
    expect(() => refuseSandboxOutsideLimits(spec({ kind: "docker", image: "evil:1" }), limits)).toThrow(
      SandboxLimitError,
    );
    expect(() =>
      refuseSandboxOutsideLimits(spec({ kind: "docker", image: "evil:1", cpus: 4 }), limits),
    ).toThrow(
      'Agent "coder": Docker image "evil:1" is not one this server allows (troupe-sandbox:latest); Sandbox CPUs 4 are above this server\'s maximum of 2.',
    );
  });

  it("passes a spec within the limits through unchanged", () => {
    const ok = spec({ kind: "docker", image: "troupe-sandbox:latest", memoryMb: 1024, timeoutSeconds: 300 });
    expect(refuseSandboxOutsideLimits(ok, limits)).toBe(ok);
  });
});
