import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../current-team";
import { requireSession } from "../require-session";
import { LibraryList } from "./library-list";

export const metadata: Metadata = { title: "Library" };

/** The team's shared, versioned tools, fetched on the server so the list renders at once. */
export default async function LibraryPage() {
  await requireSession();
  const team = await currentTeam();
  if (team) {
    await getQueryClient().prefetchInfiniteQuery(
      trpc.library.list.infiniteQueryOptions(
        { teamId: team.id },
        { getNextPageParam: (page) => page.nextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <PageContainer>
        <LibraryList />
      </PageContainer>
    </HydrateClient>
  );
}
