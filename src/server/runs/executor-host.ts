import "server-only";
import { type CreateExecutorOptions, parseDockerHost } from "~/agents/executors";
import type { Env } from "~/env";

/** How this installation reaches its sandboxes: what every executor built here shares. */
export type ExecutorHost = Pick<
  CreateExecutorOptions,
  "dockerSocketPath" | "dockerHost" | "dockerPort" | "dockerImage" | "memoryMb"
>;

/**
 * The sandbox host settings from the environment (DOCKER_HOST, SANDBOX_IMAGE, SANDBOX_MEMORY_MB):
 * the one place the worker and the command lines read them.
 */
export function executorHostFromEnv(
  env: Pick<Env, "DOCKER_HOST" | "SANDBOX_IMAGE" | "SANDBOX_MEMORY_MB">,
): ExecutorHost {
  const docker = parseDockerHost(env.DOCKER_HOST);
  return {
    dockerSocketPath: docker.socketPath,
    dockerHost: docker.host,
    dockerPort: docker.port,
    dockerImage: env.SANDBOX_IMAGE,
    memoryMb: env.SANDBOX_MEMORY_MB,
  };
}
