import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { PageContainer } from "~/components/layout/page-container";
import { PageHeader } from "~/components/layout/page-header";
import { EndpointsList } from "~/components/publish/endpoints-list";
import { Button } from "~/components/ui/button";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../current-team";
import { requireSession } from "../require-session";

export const metadata: Metadata = { title: "Endpoints" };

/** The team's published endpoints, and the way to its API keys. */
export default async function EndpointsPage() {
  await requireSession();
  const team = await currentTeam();
  if (team) {
    await getQueryClient().prefetchInfiniteQuery(
      trpc.endpoint.list.infiniteQueryOptions(
        { teamId: team.id, limit: 50 },
        { getNextPageParam: (page) => page.nextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <PageContainer>
        <PageHeader
          title="Endpoints"
          description="Workflows published as APIs: REST, OpenAI-compatible and MCP, with keys, limits and usage."
          actions={
            <Button asChild variant="secondary">
              <Link href="/endpoints/keys">
                <KeyRound /> API keys
              </Link>
            </Button>
          }
        />
        <div className="mt-6">
          <EndpointsList />
        </div>
      </PageContainer>
    </HydrateClient>
  );
}
