import "server-only";
import type { PyodidePool } from "~/agents/executors";
import { env, mode } from "~/env";
import { createDatabaseClient, databaseUrl, type PrismaClient } from "~/server/db";
import { EVAL_SWEEP_INTERVAL_MS, evalCaseRunEnded, sweepEvaluations } from "~/server/eval/advance";
import type { Logger } from "~/server/logger";
import { observeRunQueue } from "~/server/observability/process-operations";
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
  /**
   * Store run events through a connection of their own (default: when the database is Postgres at
   * DATABASE_URL; embedded PGlite serves one connection, shared).
   */
  eventConnection?: boolean;
}

/** A worker started in this process. */
export interface StartedWorker {
  /** Stop taking runs and wait for the active ones (aborted after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** The warm sandbox pool, booting from the start (undefined with PYODIDE_POOL_SIZE=0): readiness waits for it. */
  readonly pool: PyodidePool | undefined;
}

/**
 * Consume the run queue in this process: the web process in embedded mode, `npm run worker`
 * processes in production. The sandbox pool starts booting at once.
 */
export function startWorker(options: StartWorkerOptions): StartedWorker {
  // Refuses to start a production worker without SECRETS_KEY.
  secretsKeyring();
  const agent = createAgentDeps(options.db);
  checkSandboxIsolation({ logger: options.logger });
  const eventUrl = (options.eventConnection ?? !mode.embeddedDatabase) ? databaseUrl() : undefined;
  const eventDb = eventUrl ? createDatabaseClient(eventUrl, { maxConnections: 1 }) : undefined;
  const processor = createRunProcessor({
    db: options.db,
    ...(eventDb ? { eventDb } : {}),
    publisher: options.publisher,
    control: options.services.control,
    agentDeps: agent.depsFor,
    prepareSpec: (spec, team) =>
      refuseSandboxOutsideLimits(refuseLocalExecutorUnlessAllowed(withInstallationDefaults(spec), team.slug)),
    logger: options.logger,
    captureContent: env.OTEL_CAPTURE_CONTENT,
    onRunEnded: (runId) => evalCaseRunEnded(options.db, runId, { agentDeps: agent.depsFor }),
  });
  options.services.queue.work(processor, { concurrency: options.concurrency });
  // Evaluations a stopped process left half done are taken up again by whichever worker sweeps first.
  const sweep = setInterval(() => {
    sweepEvaluations(options.db, { agentDeps: agent.depsFor }).catch((err: unknown) =>
      options.logger.warn({ err }, "sweeping evaluations failed; the next sweep tries again"),
    );
  }, EVAL_SWEEP_INTERVAL_MS).unref();
  observeRunQueue(options.services.queue);
  options.logger.info(
    { queue: options.services.queue.kind, concurrency: options.concurrency },
    "run worker started",
  );
  return {
    pool: agent.pool,
    async stop(graceMs = 10_000) {
      clearInterval(sweep);
      await options.services.queue.close(graceMs);
      await agent.close();
      await eventDb?.$disconnect();
    },
  };
}
