import { isTerminal } from "~/lib/run-status";
import type { PrismaClient } from "~/server/db";

/** The run once it is in a terminal state (polled every 100 ms); fails after 60 s. */
export async function finishedRun(db: PrismaClient, runId: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    if (isTerminal(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
