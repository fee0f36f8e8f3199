import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { auth } from "~/server/auth";
import { signOutAction } from "~/server/auth/actions";
import { db } from "~/server/db";
import { invitationRefusals } from "~/server/teams/invitations";
import { api } from "~/trpc/server";
import { AcceptInvitationForm, InvitationSignUpForm } from "./invitation-forms";

export const metadata: Metadata = { title: "Invitation" };

const refusalTitles = {
  unknown: "This link does not work",
  expired: "This invitation has expired",
  revoked: "This invitation was withdrawn",
  used: "This invitation was already used",
} as const;

/**
 * An invitation link: says clearly when it no longer works (expired, withdrawn, used, unknown);
 * otherwise lets the invited person join — signed in with the invited address, by accepting; signed
 * out, by signing in (existing account) or creating an account (even when SIGNUP=invite).
 */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = await (await api()).team.invitation({ token });
  if (invitation.state !== "valid") {
    return (
      <Card data-testid="invitation-refused" data-state={invitation.state}>
        <CardHeader>
          <CardTitle className="text-xl">{refusalTitles[invitation.state]}</CardTitle>
          <CardDescription>{invitationRefusals[invitation.state]}</CardDescription>
        </CardHeader>
        <CardFooter className="justify-center text-sm">
          <Link href="/sign-in" className="font-medium text-primary underline-offset-4 hover:underline">
            Go to sign-in
          </Link>
        </CardFooter>
      </Card>
    );
  }
  const session = await auth();
  const invitedBy = invitation.invitedBy ? `${invitation.invitedBy} invited you` : "You are invited";
  const header = (
    <CardHeader>
      <CardTitle className="text-xl">Join {invitation.teamName}</CardTitle>
      <CardDescription>
        {invitedBy} to join <strong>{invitation.teamName}</strong> on Troupe as{" "}
        <strong data-testid="invitation-role">{invitation.role}</strong>. The invitation is for{" "}
        <strong>{invitation.email}</strong> and expires on{" "}
        {invitation.expiresAt.toLocaleDateString("en", { dateStyle: "long" })}.
      </CardDescription>
    </CardHeader>
  );
  if (session?.user?.email) {
    const sameAddress = session.user.email.toLowerCase() === invitation.email.toLowerCase();
    return (
      <Card>
        {header}
        <CardContent className="grid gap-4">
          {sameAddress ? (
            <AcceptInvitationForm token={token} />
          ) : (
            <>
              <p role="status" className="rounded-md border bg-muted px-3 py-2.5 text-sm">
                You are signed in as {session.user.email}. Sign out, then open this link again to sign in or
                sign up as {invitation.email}.
              </p>
              <form action={signOutAction}>
                <Button type="submit" variant="secondary" className="w-full">
                  Sign out
                </Button>
              </form>
            </>
          )}
        </CardContent>
      </Card>
    );
  }
  const hasAccount = await db.user.findUnique({ where: { email: invitation.email }, select: { id: true } });
  return (
    <Card>
      {header}
      <CardContent>
        {hasAccount ? (
          <Button asChild size="lg" className="w-full">
            <Link href={`/sign-in?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`}>
              Sign in to accept
            </Link>
          </Button>
        ) : (
          <InvitationSignUpForm token={token} email={invitation.email} />
        )}
      </CardContent>
    </Card>
  );
}
