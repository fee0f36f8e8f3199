import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EndpointView } from "~/components/publish/endpoint-view";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../../current-team";
import { requireSession } from "../../require-session";

export const metadata: Metadata = { title: "Endpoint" };

/** One endpoint of the current team; another team's or an unknown one is a 404 page. */
export default async function EndpointPage({ params }: { params: Promise<{ endpointId: string }> }) {
  await requireSession();
  const { endpointId } = await params;
  const team = await currentTeam();
  if (!team) notFound();
  await getQueryClient()
    .fetchQuery(trpc.endpoint.get.queryOptions({ teamId: team.id, endpointId }))
    .catch((error: unknown) => {
      if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST"))
        notFound();
      throw error;
    });
  return (
    <HydrateClient>
      <div className="mx-auto w-full max-w-5xl px-8 py-10">
        <EndpointView endpointId={endpointId} />
      </div>
    </HydrateClient>
  );
}
