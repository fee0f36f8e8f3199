import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "~/agents/executors";
import { defineExecutorContract } from "./contract";

/**
 * The Docker socket proxy of docker-compose.yml (docker/socket-proxy/haproxy.cfg, run by HAProxy as
 * the compose service runs it) in front of podman's Docker-compatible socket: the Docker executor's
 * whole contract passes through it, and every Docker API call the executor does not make is refused
 * with 403 — listing, images, exec, files, volumes, networks, the engine's info, a container named
 * instead of addressed by its id. Needs haproxy, podman's socket and the test image
 * (scripts/ci/setup-podman.sh, scripts/ci/build-sandbox-image.sh); without them this suite FAILS.
 */
const socketPath = "/run/podman/podman.sock";
const image = "troupe-sandbox:test";
const config = "docker/socket-proxy/haproxy.cfg";
let proxy: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

async function accepting(target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(target, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the socket proxy did not listen on ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  if (!existsSync(socketPath)) {
    throw new Error(
      `Docker API socket ${socketPath} is missing: run scripts/ci/setup-podman.sh and scripts/ci/build-sandbox-image.sh`,
    );
  }
  execFileSync("haproxy", ["-v"]);
  await new Docker({ socketPath }).getImage(image).inspect();
  port = await freePort();
  proxy = spawn("haproxy", ["-db", "-f", config], {
    env: { ...process.env, PROXY_BIND: `127.0.0.1:${port}`, DOCKER_SOCKET: socketPath },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await accepting(port, 10_000);
});

afterAll(() => {
  proxy?.kill("SIGTERM");
});

defineExecutorContract("docker through the socket proxy", (options) =>
  createExecutor(
    { kind: "docker" },
    { ...options, dockerHost: "127.0.0.1", dockerPort: port, dockerImage: image },
  ),
);

describe("the Docker socket proxy", () => {
  const status = async (call: () => Promise<unknown>) => {
    try {
      await call();
      return 200;
    } catch (error) {
      return (error as { statusCode?: number }).statusCode ?? -1;
    }
  };

  it("refuses every call the executor does not make, and containers not addressed by their id", async () => {
    const docker = new Docker({ host: "127.0.0.1", port });
    const executor = await createExecutor(
      { kind: "docker" },
      { dockerHost: "127.0.0.1", dockerPort: port, dockerImage: image },
    );
    try {
      expect((await executor.run("1 + 1")).output).toBe(2);
      // The sandbox container, found through podman's own socket (listing is refused through the proxy).
      const direct = new Docker({ socketPath });
      const [sandbox] = await direct.listContainers({
        filters: { label: ["troupe.sandbox=1"], status: ["running"] },
      });
      expect(sandbox).toBeDefined();
      const id = sandbox!.Id;
      const name = sandbox!.Names[0]!.replace(/^\//, "");
      const container = docker.getContainer(id);

      expect(await status(() => docker.listContainers({ all: true }))).toBe(403);
      expect(await status(() => docker.listImages())).toBe(403);
      expect(await status(() => docker.info())).toBe(403);
      expect(await status(() => docker.version())).toBe(403);
      expect(await status(() => docker.listVolumes())).toBe(403);
      expect(await status(() => docker.listNetworks())).toBe(403);
      expect(await status(() => docker.createVolume({ Name: "troupe-proxy-test" }))).toBe(403);
      expect(await status(() => docker.getImage(image).inspect())).toBe(403);
      expect(await status(() => docker.pull("alpine:latest"))).toBe(403);
      expect(await status(() => container.exec({ Cmd: ["id"] }))).toBe(403);
      expect(await status(() => container.logs({ stdout: true }))).toBe(403);
      expect(await status(() => container.getArchive({ path: "/etc/passwd" }))).toBe(403);
      expect(await status(() => container.stop())).toBe(403);
      expect(await status(() => container.update({ Memory: 1 << 30 }))).toBe(403);
      expect(await status(() => docker.getContainer(name).inspect())).toBe(403);
      expect(await status(() => docker.getContainer(name).remove({ force: true }))).toBe(403);
      // What the executor does do passes: inspecting its container by id.
      expect((await container.inspect()).Id).toBe(id);
    } finally {
      await executor.close();
    }
  });
});
