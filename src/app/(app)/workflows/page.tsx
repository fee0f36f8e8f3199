import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { api, getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { requireSession } from "../require-session";
import { WorkflowsList } from "./workflows-list";

export const metadata: Metadata = { title: "Workflows" };

/** The team's workflows, fetched on the server so the list renders at once. */
export default async function WorkflowsPage() {
  await requireSession();
  const team = await (await api()).team.current();
  if (team) await getQueryClient().prefetchQuery(trpc.workflow.list.queryOptions({ teamId: team.id }));
  return (
    <HydrateClient>
      <PageContainer>
        <WorkflowsList />
      </PageContainer>
    </HydrateClient>
  );
}
