import type { Metadata } from "next";
import Link from "next/link";
import { PageContainer } from "~/components/layout/page-container";
import { PageHeader } from "~/components/layout/page-header";
import { UserAvatar } from "~/components/layout/user-avatar";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { api } from "~/trpc/server";
import { currentTeam } from "../current-team";
import { requireSession } from "../require-session";
import { SignOutEverywhere } from "./sign-out-everywhere";

export const metadata: Metadata = { title: "Settings" };

const roleStyles: Record<string, string> = {
  owner: "bg-indigo-50 text-indigo-700 ring-indigo-200",
  admin: "bg-sky-50 text-sky-700 ring-sky-200",
  editor: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  viewer: "bg-zinc-100 text-zinc-700 ring-zinc-200",
};

/** Profile, the current team's members, and session control. */
export default async function SettingsPage() {
  await requireSession();
  const caller = await api();
  const [me, team] = await Promise.all([caller.user.me(), currentTeam()]);
  const members = team ? await caller.team.members({ teamId: team.id }) : [];
  return (
    <PageContainer>
      <PageHeader title="Settings" description="Your profile, your team and your sessions." />
      <Link href="/settings/secrets" className="mt-4 inline-block text-sm text-primary hover:underline">
        Credentials: your team's API keys and tokens →
      </Link>
      <div className="mt-8 grid gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Profile</CardTitle>
            <CardDescription>How you appear to your teammates.</CardDescription>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-[8rem_1fr] gap-y-3 text-sm">
              <dt className="text-muted-foreground">Name</dt>
              <dd className="font-medium">{me.name ?? "—"}</dd>
              <dt className="text-muted-foreground">E-mail</dt>
              <dd className="font-medium">{me.email ?? "—"}</dd>
              <dt className="text-muted-foreground">Member since</dt>
              <dd>{me.createdAt.toLocaleDateString("en", { dateStyle: "long" })}</dd>
            </dl>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{team?.name ?? "Team"}</CardTitle>
            <CardDescription>
              People in this team and what they may do.{" "}
              <Link href="/team" className="font-medium text-primary underline-offset-4 hover:underline">
                Manage the team
              </Link>
            </CardDescription>
          </CardHeader>
          <CardContent className="p-0 pb-2">
            <ul aria-label="Team members" className="divide-y divide-border">
              {members.map((member) => (
                <li key={member.id} className="flex items-center gap-3 px-6 py-3">
                  <UserAvatar name={member.name} email={member.email} />
                  <div className="min-w-0 flex-1">
                    <p className="truncate text-sm font-medium">{member.name ?? member.email}</p>
                    <p className="truncate text-xs text-muted-foreground">{member.email}</p>
                  </div>
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-medium capitalize ring-1 ring-inset ${roleStyles[member.role] ?? ""}`}
                  >
                    {member.role}
                  </span>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Sessions</CardTitle>
            <CardDescription>
              Signed in on a computer you no longer use? Sign out everywhere ends every session at once,
              including this one.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <SignOutEverywhere />
          </CardContent>
        </Card>
      </div>
    </PageContainer>
  );
}
