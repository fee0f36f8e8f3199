import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../current-team";
import { requireSession } from "../require-session";
import { WorkflowsList } from "./workflows-list";

export const metadata: Metadata = { title: "Workflows" };

/** The team's workflows, fetched on the server so the list renders at once. */
export default async function WorkflowsPage() {
  await requireSession();
  const team = await currentTeam();
  if (team) {
    await getQueryClient().prefetchInfiniteQuery(
      trpc.workflow.list.infiniteQueryOptions(
        { teamId: team.id },
        { getNextPageParam: (page) => page.nextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <PageContainer>
        <WorkflowsList />
      </PageContainer>
    </HydrateClient>
  );
}
