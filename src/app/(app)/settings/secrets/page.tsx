import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { can } from "~/lib/permissions";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { currentTeam } from "../../current-team";
import { requireSession } from "../../require-session";
import { CredentialsList } from "./credentials-list";

export const metadata: Metadata = { title: "Credentials" };

/** Settings → Credentials: the team's secrets (names only) and the installation's keys. */
export default async function CredentialsPage() {
  await requireSession();
  const team = await currentTeam();
  if (team && can(team.role, "edit")) {
    await getQueryClient().prefetchQuery(trpc.secret.list.queryOptions({ teamId: team.id }));
  }
  return (
    <HydrateClient>
      <PageContainer>
        <CredentialsList />
      </PageContainer>
    </HydrateClient>
  );
}
