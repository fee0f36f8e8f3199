import type { RunEvent } from "~/agents/events";
import { transcriptFromEvents } from "~/agents/transcript";
import { answerText } from "./evaluate-checks";
import { type CaseCheckInput, type TestCase, testCaseSchema } from "./test-set";
import { traceFromEvents } from "./trace";

/**
 * Regression cases from recordings: a finished run frozen into a case whose model answers are
 * replayed (the engine's transcript of `model_output` events, src/agents/transcript.ts) and whose
 * steps are compared with the replay's (./trace.ts). Its final answer becomes the expected one.
 */

/** What a case is made from: a finished run's task, inputs and events. */
export interface RecordedRun {
  /** The new case's id. */
  id: string;
  task: string;
  images?: string[];
  audio?: string[];
  additionalArgs?: Record<string, unknown>;
  events: readonly RunEvent[];
  runId?: string;
}

/**
 * Freeze a finished run into a regression case: its transcript (every model answer, the whole tree
 * in call order), its root model (so replays are priced like it), its steps, and an exact check on
 * its final answer (editable like any check). Throws, naming what is missing, when the run has no
 * model answer or did not finish.
 */
export function caseFromRun(run: RecordedRun, checks?: CaseCheckInput[]): TestCase {
  const finished = run.events.find((event) => event.type === "run_finished" && event.agentPath.length === 1);
  if (finished?.type !== "run_finished") {
    throw new Error("The run has not finished: only a finished run can become a regression case.");
  }
  const transcript = transcriptFromEvents(run.events);
  if (transcript.length === 0) throw new Error("The run has no model answer to replay.");
  const started = run.events.find((event) => event.type === "run_started" && event.agentPath.length === 1);
  const model = started?.type === "run_started" ? started.modelId.replace(/^replay:/, "") : "replay";
  const expected: CaseCheckInput[] =
    checks ??
    (finished.state === "success" ? [{ kind: "exact", expected: answerText(finished.output) }] : []);
  return testCaseSchema.parse({
    id: run.id,
    task: run.task,
    ...(run.images?.length ? { images: run.images } : {}),
    ...(run.audio?.length ? { audio: run.audio } : {}),
    ...(run.additionalArgs && Object.keys(run.additionalArgs).length
      ? { additionalArgs: run.additionalArgs }
      : {}),
    checks: expected,
    recording: {
      model,
      transcript,
      steps: traceFromEvents(run.events),
      ...(run.runId ? { runId: run.runId } : {}),
    },
  });
}
