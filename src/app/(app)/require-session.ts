import "server-only";
import { redirect } from "next/navigation";
import type { Session } from "next-auth";
import { auth } from "~/server/auth";

/**
 * The signed-in session, or a redirect to sign-in. Pages call it as well as the layout because Next renders
 * layouts and pages in parallel: a page must not query as a signed-out user while its layout redirects.
 */
export async function requireSession(): Promise<Session> {
  const session = await auth();
  if (!session) redirect("/sign-in");
  return session;
}
