import { type BuildAgentDeps, buildAgent, type RunEvent } from "~/agents";
import { type AgentSpec, agentSpecSchema } from "~/graph/agent-spec";
import type { PrismaClient } from "~/server/db";
import type { Logger } from "~/server/logger";
import type { RunControl, RunControlMessage } from "~/server/realtime/run-control";
import type { RunEventPublisher } from "~/server/realtime/run-event-publisher";
import { EventBatcher } from "./event-batcher";
import type { RunProcessor } from "./run-queue";
import { appendEvents, isTerminal, type RunStatus, tallyOf, teamPrices, transitionRun } from "./run-store";

export interface RunProcessorDeps {
  db: PrismaClient;
  publisher: RunEventPublisher;
  control: RunControl;
  /** Secrets and sandboxes for the engine; the server fills them from env.ts and team secrets. */
  agentDeps: BuildAgentDeps;
  logger: Logger;
  /** Installation defaults applied to the stored spec before it runs (e.g. a provider base URL). */
  prepareSpec?: (spec: AgentSpec) => AgentSpec;
  batch?: { intervalMs: number; maxBatch: number };
}

/** Why a run was stopped from outside the engine; decides its final state and message. */
type StopReason =
  | { kind: "cancel"; message: string }
  | { kind: "timeout"; message: string }
  | { kind: "cost"; message: string }
  | { kind: "shutdown"; message: string };

const ACTIVE: readonly RunStatus[] = ["running", "waiting_for_input"];

/**
 * The worker's processor (BullMQ's "one async function"): load the run, build its agents, stream
 * the engine's events into the store (batched, in order) and out to browsers, and end the run in
 * exactly one terminal state with a reason. Cancellation, the time limit, the cost cap and worker
 * shutdown all abort the same signal, which the engine threads to the model call and the sandbox.
 */
export function createRunProcessor(deps: RunProcessorDeps): RunProcessor {
  const { db, publisher, logger } = deps;

  const setStatus = async (
    runId: string,
    from: readonly RunStatus[],
    to: RunStatus,
    error?: string,
    extra: Parameters<typeof transitionRun>[4] = {},
  ) => {
    const moved = await transitionRun(db, runId, from, to, error === undefined ? extra : { ...extra, error });
    if (moved) publisher.publishStatus({ runId, status: to, error: error ?? null });
    return moved;
  };

  return async function processRun(job, jobSignal) {
    const log = logger.child({ runId: job.runId, attempt: job.attempt });
    const run = await db.run.findUnique({ where: { id: job.runId } });
    if (!run || isTerminal(run.status)) return;

    if (ACTIVE.includes(run.status)) {
      // Delivered again: the worker that held it was lost mid-run. Its events are stored but its
      // sandbox and memory are gone, so end the run honestly rather than replay side effects.
      await setStatus(
        run.id,
        ACTIVE,
        "failed",
        "The worker running this run stopped unexpectedly (it was killed or lost its lock). Start it again.",
      );
      log.warn("run was active on a lost worker; marked failed");
      return;
    }
    if (run.cancelRequestedAt) {
      await setStatus(run.id, ["queued"], "cancelled", "Cancelled before it started.");
      return;
    }
    if (!(await setStatus(run.id, ["queued"], "running", undefined, { attempt: { increment: 1 } }))) return;

    const controller = new AbortController();
    let stop: StopReason | undefined;
    const stopRun = (reason: StopReason) => {
      stop ??= reason;
      controller.abort(new Error(reason.message));
    };
    const onJobAbort = () => stopRun({ kind: "shutdown", message: "The worker shut down during this run." });
    jobSignal.addEventListener("abort", onJobAbort, { once: true });
    const timer = setTimeout(
      () => stopRun({ kind: "timeout", message: `Stopped at the time limit of ${run.timeLimitSeconds} s.` }),
      run.timeLimitSeconds * 1000,
    );

    const prices = await teamPrices(db, run.teamId);
    const tally = tallyOf(run);
    const batcher = new EventBatcher(async (batch: RunEvent[]) => {
      const { usage } = await appendEvents(db, run.id, batch, tally, prices);
      publisher.publishEvents(run.id, batch);
      if (run.costCapUsd !== null && usage.total.costUsd !== null && usage.total.costUsd > run.costCapUsd) {
        stopRun({ kind: "cost", message: `Stopped at the cost cap of $${run.costCapUsd.toFixed(2)}.` });
      }
    }, deps.batch);

    let agent: Awaited<ReturnType<typeof buildAgent>> | undefined;
    let unsubscribe: (() => Promise<void>) | undefined;
    try {
      const stored = agentSpecSchema.parse(run.spec);
      const spec = deps.prepareSpec ? deps.prepareSpec(stored) : stored;
      agent = await buildAgent(spec, deps.agentDeps);
      const agentRun = agent.run(run.task, { stream: true, signal: controller.signal, runId: run.id });

      unsubscribe = await deps.control.subscribe((message: RunControlMessage) => {
        if (message.runId !== run.id) return;
        if (message.type === "cancel") stopRun({ kind: "cancel", message: message.reason });
        else if (agentRun.provideUserInput(message.requestId, message.text)) {
          void setStatus(run.id, ["waiting_for_input"], "running");
        }
      });
      // A cancel requested between loading the run and subscribing is not lost.
      const fresh = await db.run.findUnique({ where: { id: run.id }, select: { cancelRequestedAt: true } });
      if (fresh?.cancelRequestedAt) stopRun({ kind: "cancel", message: "Cancelled by a user." });

      for await (const event of agentRun) {
        batcher.push(event);
        if (event.type === "user_input_request") {
          await batcher.drain();
          await setStatus(run.id, ["running"], "waiting_for_input");
        }
      }
      const result = await agentRun.result;
      await batcher.drain();

      const output = result.output === undefined ? undefined : JSON.parse(JSON.stringify(result.output));
      if (result.state === "success" || result.state === "max_steps") {
        await transitionRun(db, run.id, ACTIVE, "succeeded", {
          output,
          hitStepLimit: result.state === "max_steps",
        });
        publisher.publishStatus({ runId: run.id, status: "succeeded" });
      } else if (stop) {
        const status: RunStatus =
          stop.kind === "timeout" ? "timed_out" : stop.kind === "cancel" ? "cancelled" : "failed";
        await setStatus(run.id, ACTIVE, status, stop.message);
      } else {
        const message = result.errors.at(-1)?.message ?? "The run failed.";
        await setStatus(run.id, ACTIVE, result.state === "cancelled" ? "cancelled" : "failed", message);
      }
    } catch (error) {
      await batcher.drain().catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, "run failed outside the engine");
      await setStatus(run.id, ACTIVE, "failed", message);
    } finally {
      clearTimeout(timer);
      jobSignal.removeEventListener("abort", onJobAbort);
      await unsubscribe?.();
      await agent?.close().catch((error: unknown) => log.warn({ err: error }, "closing the agent failed"));
    }
  };
}
