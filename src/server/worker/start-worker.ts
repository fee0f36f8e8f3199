import "server-only";
import type { PrismaClient } from "~/server/db";
import type { Logger } from "~/server/logger";
import { createAgentDeps, withInstallationDefaults } from "~/server/runs/agent-deps";
import { refuseLocalExecutorUnlessAllowed } from "~/server/runs/local-executor-policy";
import { createRunProcessor } from "~/server/runs/process-run";
import type { RunEventPublisher } from "~/server/runs/run-publisher";
import type { RunServices } from "~/server/runs/run-services";
import { checkSandboxIsolation, refuseSandboxOutsideLimits } from "~/server/runs/sandbox-policy";
import { secretsKeyring } from "~/server/secrets/keys";

export interface StartWorkerOptions {
  db: PrismaClient;
  services: RunServices;
  publisher: RunEventPublisher;
  logger: Logger;
  concurrency: number;
}

/**
 * Consume the run queue in this process: the web process in embedded mode, `npm run worker`
 * processes in production. Returns a function that stops taking runs and waits for active ones.
 */
export function startWorker(options: StartWorkerOptions): { stop(graceMs?: number): Promise<void> } {
  // Refuses to start a production worker without SECRETS_KEY.
  secretsKeyring();
  const agent = createAgentDeps(options.db);
  checkSandboxIsolation({ logger: options.logger });
  const processor = createRunProcessor({
    db: options.db,
    publisher: options.publisher,
    control: options.services.control,
    agentDeps: agent.depsFor,
    prepareSpec: (spec, team) =>
      refuseSandboxOutsideLimits(refuseLocalExecutorUnlessAllowed(withInstallationDefaults(spec), team.slug)),
    logger: options.logger,
  });
  options.services.queue.work(processor, { concurrency: options.concurrency });
  options.logger.info(
    { queue: options.services.queue.kind, concurrency: options.concurrency },
    "run worker started",
  );
  return {
    async stop(graceMs = 10_000) {
      await options.services.queue.close(graceMs);
      await agent.close();
    },
  };
}
