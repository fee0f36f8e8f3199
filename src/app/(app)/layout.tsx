import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppSidebar } from "~/components/layout/app-sidebar";
import { TeamProvider } from "~/components/layout/team-context";
import { api } from "~/trpc/server";
import { currentTeam } from "./current-team";
import { requireSession } from "./require-session";

/** Every signed-in page: the sidebar on the left, the page on the right. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const session = await requireSession();
  const [team, teams] = await Promise.all([currentTeam(), (await api()).team.list()]);
  if (!team) redirect("/sign-in");
  return (
    <TeamProvider team={team}>
      <div className="flex h-dvh overflow-hidden">
        <AppSidebar
          user={{ name: session.user.name ?? null, email: session.user.email ?? null }}
          teams={teams}
        />
        <main className="h-dvh min-w-0 flex-1 overflow-y-auto">{children}</main>
      </div>
    </TeamProvider>
  );
}
