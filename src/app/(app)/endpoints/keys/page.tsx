import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { PageHeader } from "~/components/layout/page-header";
import { ApiKeys } from "~/components/publish/api-keys";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../../current-team";
import { requireSession } from "../../require-session";

export const metadata: Metadata = { title: "API keys" };

/** The team's API keys: create (shown once), limits, scope, revoke, usage per key. */
export default async function ApiKeysPage() {
  await requireSession();
  const team = await currentTeam();
  if (team) {
    await getQueryClient().prefetchInfiniteQuery(
      trpc.apiKey.list.infiniteQueryOptions(
        { teamId: team.id, limit: 50 },
        { getNextPageParam: (page) => page.nextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <PageContainer>
        <PageHeader title="API keys" description="Keys that call this team's endpoints." />
        <div className="mt-6">
          <ApiKeys />
        </div>
      </PageContainer>
    </HydrateClient>
  );
}
