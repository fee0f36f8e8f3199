import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunView } from "~/components/runs/run-view";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { requireSession } from "../../require-session";

export const metadata: Metadata = { title: "Run" };

/** One run: its live timeline, counters, cancel, reply and replay. An unknown run is a 404 page. */
export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  await requireSession();
  const { runId } = await params;
  await getQueryClient()
    .fetchQuery(trpc.run.get.queryOptions({ runId }))
    .catch((error: unknown) => {
      if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST"))
        notFound();
      throw error;
    });
  return (
    <HydrateClient>
      <div className="mx-auto w-full max-w-6xl px-8 py-8">
        <RunView runId={runId} />
      </div>
    </HydrateClient>
  );
}
