import { existsSync } from "node:fs";
import Docker from "dockerode";
import { beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "~/agents/executors";
import { defineExecutorContract } from "./contract";

/**
 * The contract through dockerode against podman's Docker-compatible socket (scripts/ci/setup-podman.sh)
 * and the test image (scripts/ci/build-sandbox-image.sh). Without the socket this suite FAILS: it is
 * never skipped, in CI or anywhere else.
 */
const socketPath = "/run/podman/podman.sock";
const image = "troupe-sandbox:test";

beforeAll(async () => {
  if (!existsSync(socketPath)) {
    throw new Error(
      `Docker API socket ${socketPath} is missing: run scripts/ci/setup-podman.sh and scripts/ci/build-sandbox-image.sh`,
    );
  }
  const docker = new Docker({ socketPath });
  await docker.ping();
  await docker.getImage(image).inspect();
});

defineExecutorContract("docker", (options) =>
  createExecutor({ kind: "docker" }, { ...options, dockerSocketPath: socketPath, dockerImage: image }),
);

describe("docker container hardening", () => {
  it("runs with no network, read-only root, non-root user and no capabilities, then removes the container", async () => {
    const docker = new Docker({ socketPath });
    const listSandboxes = async () =>
      (await docker.listContainers({ all: true, filters: { label: ["troupe.sandbox=1"] } })).map((c) => c.Id);
    const existing = new Set(await listSandboxes());
    const executor = await createExecutor(
      { kind: "docker", cpus: 0.5 },
      { dockerSocketPath: socketPath, dockerImage: image, memoryMb: 128, authorizedImports: ["*"] },
    );
    const out = await executor.run(
      [
        "import io, os, socket",
        "facts = {'uid': os.getuid()}",
        "try:\n    io.open('/etc/owned', 'w')\n    facts['rootfs'] = 'writable'\nexcept OSError as e:\n    facts['rootfs'] = type(e).__name__",
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    facts['net'] = 'open'\nexcept OSError as e:\n    facts['net'] = type(e).__name__",
        "facts['caps'] = [l.split()[1] for l in io.open('/proc/self/status') if l.startswith('CapEff')][0]",
        "facts['nics'] = sorted(os.listdir('/sys/class/net'))",
        "facts",
      ].join("\n"),
    );
    const mine = (await listSandboxes()).filter((id) => !existing.has(id));
    await executor.close();
    expect(out.error).toBeNull();
    const facts = out.output as Record<string, unknown>;
    expect(facts.uid).toBe(65534);
    expect(facts.rootfs).not.toBe("writable");
    expect(facts.net).not.toBe("open");
    expect(facts.caps).toBe("0000000000000000");
    expect(facts.nics).toEqual(["lo"]);
    expect(mine).toHaveLength(1);
    const remaining = await listSandboxes();
    expect(remaining.filter((id) => mine.includes(id))).toEqual([]);
  });
});
