import type { ExecutorSpec } from "./agent-spec";

/**
 * The operator's bounds on sandboxes (SANDBOX_IMAGES, SANDBOX_MAX_*): a workflow may pick a Docker
 * image only from the allow-list, and its memory, CPUs and time only up to the maxima.
 */
export interface SandboxLimits {
  /** Images the Docker sandbox may run; a workflow naming another one is refused. */
  images: readonly string[];
  maxMemoryMb: number;
  maxCpus: number;
  maxTimeoutSeconds: number;
}

/** One way a sandbox's settings exceed the operator's limits. */
export interface SandboxLimitProblem {
  field: "image" | "memoryMb" | "cpus" | "timeoutSeconds";
  message: string;
}

/** What in a sandbox's settings (a canvas sandbox node or an agent's executor spec) is outside `limits`. */
export function sandboxLimitProblems(
  sandbox: Pick<ExecutorSpec, "image" | "memoryMb" | "cpus" | "timeoutSeconds"> & { kind?: string },
  limits: SandboxLimits,
): SandboxLimitProblem[] {
  const problems: SandboxLimitProblem[] = [];
  if (sandbox.kind === "docker" && sandbox.image !== undefined && !limits.images.includes(sandbox.image)) {
    problems.push({
      field: "image",
      message: `Docker image "${sandbox.image.slice(0, 200)}" is not one this server allows (${limits.images.join(", ")})`,
    });
  }
  if (sandbox.memoryMb !== undefined && sandbox.memoryMb > limits.maxMemoryMb) {
    problems.push({
      field: "memoryMb",
      message: `Sandbox memory ${sandbox.memoryMb} MB is above this server's maximum of ${limits.maxMemoryMb} MB`,
    });
  }
  if (sandbox.cpus !== undefined && sandbox.cpus > limits.maxCpus) {
    problems.push({
      field: "cpus",
      message: `Sandbox CPUs ${sandbox.cpus} are above this server's maximum of ${limits.maxCpus}`,
    });
  }
  if (sandbox.timeoutSeconds !== undefined && sandbox.timeoutSeconds > limits.maxTimeoutSeconds) {
    problems.push({
      field: "timeoutSeconds",
      message: `Sandbox timeout ${sandbox.timeoutSeconds} s is above this server's maximum of ${limits.maxTimeoutSeconds} s`,
    });
  }
  return problems;
}
