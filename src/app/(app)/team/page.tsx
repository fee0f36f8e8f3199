import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { requireSession } from "../require-session";
import { TeamManager } from "./team-manager";

export const metadata: Metadata = { title: "Team" };

/** The current team: its name, its publish gate, members and their roles, and invitations. */
export default async function TeamPage() {
  const session = await requireSession();
  return (
    <PageContainer>
      <TeamManager userId={session.user.id} />
    </PageContainer>
  );
}
