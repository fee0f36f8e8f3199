import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { type Duplex, PassThrough } from "node:stream";
import Docker from "dockerode";
import { ProtocolExecutor } from "./protocol-executor";
import type { ExecutorOptions } from "./python-executor";
import { readRunnerSource } from "./runner-protocol";
import { SandboxDiedError } from "./runner-transport";
import { StdioTransport } from "./stdio-transport";

/** Options of the Docker executor (read from config by the caller, never from process.env here). */
export interface DockerExecutorOptions extends ExecutorOptions {
  /** A ready dockerode client; otherwise one is made from socketPath or host/port. */
  docker?: Docker;
  /** Unix socket of the Docker API (Docker or `podman system service`). Default /var/run/docker.sock. */
  socketPath?: string;
  /** TCP Docker API (e.g. from DOCKER_HOST=tcp://host:2375). */
  host?: string;
  port?: number;
  /** Sandbox image: python3 on PATH (docker/sandbox/Dockerfile). */
  image?: string;
  /** CPU share (cores), default 1. */
  cpus?: number;
  /** Max processes/threads in the container, default 64. */
  pidsLimit?: number;
  /** Size of the writable /tmp tmpfs (MiB), default 16. */
  tmpfsMb?: number;
  /** User inside the container, default nobody (65534:65534). */
  user?: string;
}

export const DEFAULT_SANDBOX_IMAGE = "troupe-sandbox:latest";

/** Read a DOCKER_HOST value (unix:///path, /path, tcp://host:port) into dockerode connection options. */
export function parseDockerHost(value: string | undefined): {
  socketPath?: string;
  host?: string;
  port?: number;
} {
  if (!value) return {};
  if (value.startsWith("unix://")) return { socketPath: value.slice("unix://".length) };
  if (value.startsWith("/")) return { socketPath: value };
  const url = new URL(value.replace(/^tcp:/, "http:"));
  return { host: url.hostname, port: url.port ? Number(url.port) : 2375 };
}
const MIB = 1024 * 1024;

/**
 * Python in a throwaway container: one container per run, reused across its steps, removed on close.
 * No network, read-only root with a small noexec tmpfs, all capabilities dropped, no-new-privileges,
 * non-root user, memory/CPU/PID limits. The runner source is passed on the command line, so the image
 * needs nothing but python3. Tool calls travel over the container's attached stdio.
 */
export class DockerExecutor extends ProtocolExecutor {
  constructor(options: DockerExecutorOptions = {}) {
    const docker =
      options.docker ??
      (options.host
        ? new Docker({ host: options.host, port: options.port ?? 2375 })
        : new Docker({ socketPath: options.socketPath ?? "/var/run/docker.sock" }));
    super("docker", () => startContainerRunner(docker, options), options);
  }
}

/** Where dockerode reaches the Docker API (its modem's fields). */
interface DockerConnection {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
}

/**
 * A container's stdio as one raw stream: `POST /containers/{id}/attach` upgraded to a raw
 * connection, sent with no body. dockerode's own attach also sends its options as a JSON body,
 * which podman forwards to stdin and which stops a proxy in between (the docker-proxy service,
 * HAProxy) from upgrading the connection at all.
 */
function attachStdio(connection: DockerConnection, id: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const send = connection.protocol === "https" ? httpsRequest : httpRequest;
    const request = send({
      ...(connection.socketPath
        ? { socketPath: connection.socketPath }
        : { host: connection.host, port: connection.port }),
      method: "POST",
      path: `/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      headers: { Connection: "Upgrade", Upgrade: "tcp" },
    });
    request.once("upgrade", (_response, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once("response", (response) => {
      response.resume();
      reject(new Error(`Attaching to the sandbox container failed (HTTP ${response.statusCode})`));
    });
    request.once("error", reject);
    request.end();
  });
}

async function startContainerRunner(docker: Docker, options: DockerExecutorOptions): Promise<StdioTransport> {
  const memoryMb = options.memoryMb ?? 512;
  const container = await docker.createContainer({
    Image: options.image ?? DEFAULT_SANDBOX_IMAGE,
    Cmd: ["python3", "-I", "-u", "-c", readRunnerSource(), `--memory-mb=${memoryMb}`],
    User: options.user ?? "65534:65534",
    WorkingDir: "/tmp",
    Env: ["HOME=/tmp", "LANG=C.UTF-8", "PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1"],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: false,
    Tty: false,
    NetworkDisabled: true,
    Labels: { "troupe.sandbox": "1" },
    HostConfig: {
      NetworkMode: "none",
      ReadonlyRootfs: true,
      Tmpfs: { "/tmp": `rw,noexec,nosuid,nodev,size=${options.tmpfsMb ?? 16}m` },
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Memory: memoryMb * MIB,
      MemorySwap: memoryMb * MIB,
      NanoCpus: Math.round((options.cpus ?? 1) * 1e9),
      PidsLimit: options.pidsLimit ?? 64,
      AutoRemove: false,
      Privileged: false,
    },
  });
  let removed = false;
  const stop = async () => {
    if (removed) return;
    removed = true;
    await container.remove({ force: true }).catch(() => {});
  };
  try {
    const stream = await attachStdio(docker.modem as DockerConnection, container.id);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let stderrTail = "";
    stderr.setEncoding("utf8");
    stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    container.modem.demuxStream(stream, stdout, stderr);
    stream.on("end", () => stdout.end());
    stream.on("close", () => stdout.end());
    const transport = new StdioTransport(stream, stdout, stop);
    await container.start();
    container.wait().then(
      async (result: { StatusCode?: number }) => {
        const info = await container.inspect().catch(() => null);
        const oom = info?.State?.OOMKilled === true || result.StatusCode === 137;
        transport.fail(
          new SandboxDiedError(
            oom
              ? "The sandbox container ran out of memory and was killed"
              : `The sandbox container exited (code ${result.StatusCode})${stderrTail ? `: ${stderrTail.slice(-500)}` : ""}`,
            oom ? "MemoryLimit" : "SandboxError",
          ),
        );
        await stop();
      },
      () => transport.fail(new SandboxDiedError("The sandbox container is gone", "SandboxError")),
    );
    await transport.ready();
    return transport;
  } catch (error) {
    await stop();
    throw error;
  }
}
