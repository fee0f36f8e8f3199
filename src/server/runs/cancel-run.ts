import "server-only";
import { isTerminal, type RunStatus } from "~/lib/run-status";
import type { PrismaClient } from "~/server/db";
import { getRunServices } from "./run-services";
import { transitionRun } from "./run-store";

/**
 * Cancel a run (dashboard and HTTP API): a queued run ends at once; a running one is told through the
 * control channel and stopped by its worker within the call it is making. A finished run is left as it is.
 */
export async function cancelRun(
  db: PrismaClient,
  runId: string,
  reason = "Cancelled by a user.",
): Promise<{ status: RunStatus | "cancelling" }> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
  if (isTerminal(run.status)) return { status: run.status };
  await db.run.update({ where: { id: runId }, data: { cancelRequestedAt: new Date() } });
  if (await transitionRun(db, runId, ["queued"], "cancelled", { error: "Cancelled before it started." })) {
    return { status: "cancelled" };
  }
  await getRunServices().control.send({ type: "cancel", runId, reason });
  return { status: "cancelling" };
}
