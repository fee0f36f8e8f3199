import "server-only";
import { type AgentRun, type BuildAgentDeps, buildAgent, snapshotMemory, withTraceContext } from "~/agents";
import { ReplayModel } from "~/agents/models/replay-model";
import { caseRecordingSchema } from "~/eval/test-set";
import { type AgentSpec, agentSpecSchema } from "~/graph/agent-spec";
import { isTerminal, type RunStatus } from "~/lib/run-status";
import type { PrismaClient } from "~/server/db";
import { retryTransient } from "~/server/db/transient";
import { newErrorReference } from "~/server/error-reference";
import type { Logger } from "~/server/logger";
import { recordEventWrite } from "~/server/observability/metrics";
import { startRunTelemetry } from "~/server/observability/run-telemetry";
import type { RunControl, RunControlMessage } from "~/server/runs/run-control";
import type { RunEventPublisher } from "~/server/runs/run-publisher";
import { SecretRedactor } from "~/server/secrets/redactor";
import { RunEventWriter } from "./event-writer";
import type { ModelPrice } from "./pricing";
import { memoryToStore, runStart } from "./run-memory";
import type { RunProcessor } from "./run-queue";
import { appendEvents, claimRun, jsonForPostgres, type RunTally, tallyOf, transitionRun } from "./run-store";

export interface RunProcessorDeps {
  db: PrismaClient;
  /**
   * The client the event writer stores through, default `db`. A worker gives it a connection of its
   * own: a flush of run events then never waits in the pool behind the claims of a burst of starts.
   */
  eventDb?: PrismaClient;
  publisher: RunEventPublisher;
  control: RunControl;
  /**
   * Secrets and sandboxes for the engine, for one run's team (the local executor is allowed per
   * team); the server fills them from env.ts and team secrets.
   */
  agentDeps: (team: RunTeam) => BuildAgentDeps;
  logger: Logger;
  /**
   * Installation defaults applied to the stored spec before it runs (e.g. a provider base URL); may
   * refuse a spec the run's team may not run by throwing an error whose message the run ends with.
   */
  prepareSpec?: (spec: AgentSpec, team: RunTeam) => AgentSpec;
  /** Event write batching (RunEventWriter's defaults: 20 ms, 500 events). */
  batch?: { intervalMs?: number; maxEvents?: number };
  /**
   * Put prompts, completions, tool arguments and results and code on the run's trace spans, each
   * scrubbed of the run's secrets (OTEL_CAPTURE_CONTENT). Off by default.
   */
  captureContent?: boolean;
  /**
   * Called once a run has reached its final state here (ended by this worker, or found over or
   * cancelled while queued): an evaluation's case run is scored and the evaluation moves on
   * (src/server/eval/advance.ts). Its errors are logged, never the run's.
   */
  onRunEnded?: (runId: string) => Promise<void>;
}

/** The team a run belongs to. */
export interface RunTeam {
  id: string;
  slug: string;
  /**
   * The names of the team's own secrets as the run's claim read them: a name outside this list
   * resolves from the environment without asking the database. Absent: ask for every name.
   */
  secretNames?: readonly string[];
}

/** Why a run was stopped from outside the engine; decides its final state and message. */
type StopReason =
  | { kind: "cancel"; message: string }
  | { kind: "timeout"; message: string }
  | { kind: "cost"; message: string }
  | { kind: "tokens"; message: string }
  | { kind: "shutdown"; message: string }
  | { kind: "storage"; message: string };

const ACTIVE: readonly RunStatus[] = ["running", "waiting_for_input"];

/** What the processor keeps about each run it carries, for the shared event writer. */
interface ActiveRun {
  tally: RunTally;
  prices: readonly ModelPrice[];
  costCapUsd: number | null;
  tokenCap: number | null;
  stopRun: (reason: StopReason) => void;
}

/**
 * The worker's processor (BullMQ's "one async function"): claim the run, build its agents, stream
 * the engine's events into the store and out to browsers, and end the run in exactly one terminal
 * state with a reason. The events of all the runs a worker carries go through one RunEventWriter
 * (a group commit: one statement per flush, however many runs). Cancellation, the time limit, the
 * cost cap, the token cap and worker shutdown all abort the same signal, which the engine threads
 * to the model call and the sandbox. The caps are checked as each model call's usage is stored.
 */
export function createRunProcessor(deps: RunProcessorDeps): RunProcessor {
  const { db, publisher, logger } = deps;
  const active = new Map<string, ActiveRun>();
  const writer = new RunEventWriter({
    ...deps.batch,
    // Storing a batch again changes nothing (events are keyed by run and seq), so a write cut off
    // with its connection is simply made again.
    store: async (batches) => {
      const started = performance.now();
      await retryTransient(
        () =>
          appendEvents(
            deps.eventDb ?? db,
            batches.map(({ runId, events }) => {
              const run = active.get(runId)!;
              return { runId, events, tally: run.tally, prices: run.prices };
            }),
          ),
        { onRetry: (err) => logger.warn({ err }, "storing run events again after a lost connection") },
      );
      recordEventWrite(
        batches.reduce((count, batch) => count + batch.events.length, 0),
        performance.now() - started,
      );
    },
    // A run whose events cannot be stored must not go on calling models and tools unseen. What the
    // database said is logged; the run's error, which browsers see, carries only a reference to it.
    onFailed: (runId, error) => {
      const reference = newErrorReference();
      logger.error({ runId, reference, err: error }, "storing a run's events failed");
      active.get(runId)?.stopRun({
        kind: "storage",
        message: `The run's events could not be stored (reference ${reference}).`,
      });
    },
    onStored: ({ runId, events }) => {
      publisher.publishEvents(runId, events);
      const run = active.get(runId);
      if (!run) return;
      const { costUsd, inputTokens, outputTokens } = run.tally.usage.total;
      if (run.costCapUsd !== null && costUsd !== null && costUsd > run.costCapUsd) {
        run.stopRun({ kind: "cost", message: `Stopped at the cost cap of $${run.costCapUsd.toFixed(2)}.` });
      } else if (run.tokenCap !== null && inputTokens + outputTokens >= run.tokenCap) {
        // A model with no known price has no cost; the token cap bounds every run all the same.
        const unpriced =
          costUsd === null ? " This run's model has no known price, so it is capped by tokens." : "";
        run.stopRun({
          kind: "tokens",
          message: `Stopped at the token cap of ${run.tokenCap.toLocaleString("en-US")} tokens.${unpriced}`,
        });
      }
    },
  });

  const setStatus = async (
    runId: string,
    from: readonly RunStatus[],
    to: RunStatus,
    error?: string,
    extra: Parameters<typeof transitionRun>[4] = {},
  ) => {
    // Postgres text refuses NUL, which a provider's or tool's error message can carry.
    const reason = error?.replaceAll("\u0000", "\ufffd");
    const data = reason === undefined ? extra : { ...extra, error: reason };
    // A compare-and-set, so trying again is safe; a run must not stay `running` because the
    // connection dropped as it ended. A try whose answer was lost after it committed reads as not
    // moved the next time: the status the run now has tells.
    let moved = false;
    await retryTransient(
      async () => {
        moved = await transitionRun(db, runId, from, to, data);
        if (!moved) {
          const now = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
          moved = now?.status === to && isTerminal(to);
        }
      },
      { attempts: 15, onRetry: (err) => logger.warn({ err, runId }, "setting a run's status again") },
    );
    if (moved) publisher.publishStatus({ runId, status: to, error: reason ?? null });
    return moved;
  };

  const runEnded = async (runId: string, log: Logger) => {
    await deps
      .onRunEnded?.(runId)
      .catch((error: unknown) => log.error({ err: error }, "handling the end of a run failed"));
  };

  /** A run that could not be claimed: already over, cancelled while queued, or lost by another worker. */
  const settleUnclaimed = async (runId: string, log: Logger) => {
    await settle(runId, log);
    await runEnded(runId, log);
  };
  const settle = async (runId: string, log: Logger) => {
    const run = await retryTransient(() =>
      db.run.findUnique({ where: { id: runId }, select: { status: true } }),
    );
    if (!run || isTerminal(run.status)) return;
    if (ACTIVE.includes(run.status)) {
      // Delivered again: the worker that held it was lost mid-run. Its events are stored but its
      // sandbox and memory are gone, so end the run honestly rather than replay side effects.
      await setStatus(
        runId,
        ACTIVE,
        "failed",
        "The worker running this run stopped unexpectedly (it was killed or lost its lock). Start it again.",
      );
      log.warn("run was active on a lost worker; marked failed");
      return;
    }
    await setStatus(runId, ["queued"], "cancelled", "Cancelled before it started.");
  };

  return async function processRun(job, jobSignal) {
    const log = logger.child({ runId: job.runId, attempt: job.attempt });
    const controller = new AbortController();
    let stop: StopReason | undefined;
    const stopRun = (reason: StopReason) => {
      stop ??= reason;
      controller.abort(new Error(reason.message));
    };
    let agentRun: AgentRun | undefined;
    // Listen before claiming: a cancel sent from now on reaches this handler, and one requested
    // earlier is in the row the claim reads.
    const unsubscribe = await deps.control.subscribe((message: RunControlMessage) => {
      if (message.runId !== job.runId) return;
      if (message.type === "cancel") stopRun({ kind: "cancel", message: message.reason });
      else if (agentRun?.provideUserInput(message.requestId, message.text)) {
        setStatus(job.runId, ["waiting_for_input"], "running").catch((error: unknown) =>
          log.error({ err: error }, "could not mark the run running again after a reply"),
        );
      }
    });
    // A claim whose answer was lost after it committed leaves the run `running` unclaimed: the next
    // try finds it active and ends it with the reason, rather than leaving it for ever.
    const run = await retryTransient(() => claimRun(db, job.runId), {
      onRetry: (err) => log.warn({ err }, "claiming the run again after a lost connection"),
    }).catch(async (error: unknown) => {
      await unsubscribe();
      throw error;
    });
    if (!run) {
      await unsubscribe();
      return settleUnclaimed(job.runId, log);
    }
    publisher.publishStatus({ runId: run.id, status: "running", error: null });
    const telemetry = startRunTelemetry(run);
    let finalStatus: RunStatus | undefined;
    /** End the run in `status`, remembered for its span and counters once the row has moved. */
    const end = async (
      status: RunStatus,
      error?: string,
      extra: Parameters<typeof transitionRun>[4] = {},
    ) => {
      if (await setStatus(run.id, ACTIVE, status, error, extra)) finalStatus = status;
    };

    const onJobAbort = () =>
      stopRun({
        kind: "shutdown",
        message: "The worker shut down before this run finished (its grace period ran out). Start it again.",
      });
    jobSignal.addEventListener("abort", onJobAbort, { once: true });
    const timer = setTimeout(
      () => stopRun({ kind: "timeout", message: `Stopped at the time limit of ${run.timeLimitSeconds} s.` }),
      run.timeLimitSeconds * 1000,
    );
    active.set(run.id, {
      tally: tallyOf(run),
      prices: run.prices,
      costCapUsd: run.costCapUsd,
      tokenCap: run.tokenCap,
      stopRun,
    });
    const team: RunTeam = { id: run.teamId, slug: run.teamSlug, secretNames: run.secretNames };
    // Every secret the run resolves is scrubbed from its events, output, error and log lines.
    const redactor = new SecretRedactor();

    let agent: Awaited<ReturnType<typeof buildAgent>> | undefined;
    try {
      const stored = agentSpecSchema.parse(run.spec);
      const spec = deps.prepareSpec ? deps.prepareSpec(stored, team) : stored;
      telemetry.recordSpec(spec);
      const engineDeps = deps.agentDeps(team);
      const start = await runStart(db, run, log);
      // An evaluation's regression case replays its recorded model answers instead of calling models.
      const replay = run.replay === null ? undefined : caseRecordingSchema.parse(run.replay);
      agent = await buildAgent(spec, {
        ...engineDeps,
        resolveSecret: redactor.watch(engineDeps.resolveSecret),
        ...(replay
          ? { modelOverride: new ReplayModel(replay.transcript, { modelId: `replay:${replay.model}` }) }
          : {}),
      });
      // A conversation's next turn: the memory so far, and the task appended to it.
      if (start.memory) agent.memory = start.memory;
      const built = agent;
      // Inside the run's span: the engine's spans are its children.
      agentRun = withTraceContext(telemetry.traceContext, () =>
        built.run(run.task, {
          stream: true,
          signal: controller.signal,
          runId: run.id,
          reset: !start.memory,
          ...(start.images ? { images: start.images } : {}),
          ...(start.additionalArgs ? { additionalArgs: start.additionalArgs } : {}),
          ...(deps.captureContent ? { traceContent: (text: string) => redactor.text(text) } : {}),
        }),
      );

      for await (const event of agentRun) {
        telemetry.event(event);
        if (event.type === "user_input_request") {
          // Waiting before the question is even gathered for storing: a reply can only come after
          // it is published, and the reply endpoint accepts it only from a run that is waiting.
          // (Pushed first, a flush of the group commit — on its own connection — could publish it
          // before the status had changed.)
          await setStatus(run.id, ["running"], "waiting_for_input");
          writer.push(run.id, redactor.event(event));
          await writer.drain(run.id);
        } else writer.push(run.id, redactor.event(event));
      }
      const result = await agentRun.result;
      await writer.drain(run.id);

      const output =
        result.output === undefined ? undefined : JSON.parse(jsonForPostgres(redactor.value(result.output)));
      // The root agent's memory for the next turn, stored with the final status: a turn that waits
      // for this run to end finds it.
      const kept = memoryToStore(snapshotMemory(agent.memory, agent.name), redactor, log);
      const memory = kept ? { memory: JSON.parse(jsonForPostgres(kept)) } : {};
      if (result.state === "success" || result.state === "max_steps") {
        await end("succeeded", undefined, {
          output,
          hitStepLimit: result.state === "max_steps",
          ...memory,
        });
      } else if (stop) {
        const status: RunStatus =
          stop.kind === "timeout" ? "timed_out" : stop.kind === "cancel" ? "cancelled" : "failed";
        await end(status, redactor.text(stop.message), memory);
      } else {
        const message = result.errors.at(-1)?.message ?? "The run failed.";
        await end(result.state === "cancelled" ? "cancelled" : "failed", redactor.text(message), memory);
      }
    } catch (error) {
      await writer.drain(run.id).catch(() => undefined);
      const message =
        stop?.kind === "storage" ? stop.message : error instanceof Error ? error.message : String(error);
      // A refusal meant for the user (a policy the run's spec breaks) is not a server fault.
      const err = redactor.error(error);
      if ((error as { kind?: unknown } | null)?.kind === "user") log.info({ err }, "run refused");
      else log.error({ err }, "run failed outside the engine");
      await end("failed", redactor.text(message));
    } finally {
      telemetry.end(finalStatus);
      clearTimeout(timer);
      jobSignal.removeEventListener("abort", onJobAbort);
      active.delete(run.id);
      writer.forget(run.id);
      await unsubscribe();
      await agent
        ?.close()
        .catch((error: unknown) => log.warn({ err: redactor.error(error) }, "closing the agent failed"));
    }
    await runEnded(run.id, log);
  };
}
