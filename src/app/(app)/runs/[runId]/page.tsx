import type { Metadata } from "next";
import { RunView } from "~/components/runs/run-view";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { requireSession } from "../../require-session";

export const metadata: Metadata = { title: "Run" };

/** One run: its live timeline, counters, cancel, reply and replay. */
export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  await requireSession();
  const { runId } = await params;
  await getQueryClient().prefetchQuery(trpc.run.get.queryOptions({ runId }));
  return (
    <HydrateClient>
      <div className="mx-auto w-full max-w-6xl px-8 py-8">
        <RunView runId={runId} />
      </div>
    </HydrateClient>
  );
}
