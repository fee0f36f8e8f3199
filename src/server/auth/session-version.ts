import "server-only";
import { db } from "~/server/db";
import { retryTransient } from "~/server/db/transient";

/** The claims Troupe adds to the Auth.js JWT. */
export type SessionClaims = { userId: string; sessionVersion: number };

/** Read the claims off a decoded JWT payload, or null when they are missing or malformed. */
export function readSessionClaims(token: Record<string, unknown> | null | undefined): SessionClaims | null {
  if (!token) return null;
  const { userId, sessionVersion } = token;
  if (typeof userId !== "string" || typeof sessionVersion !== "number") return null;
  return { userId, sessionVersion };
}

/** The user a session belongs to, as far as the rest of the app needs to know. */
export type SessionUser = { id: string; name: string | null; email: string | null; image: string | null };

/**
 * Re-read the user behind a JWT on every request: a deleted user or a bumped sessionVersion ("sign out
 * everywhere") makes the token worthless at once. Returns the user, or null when signed out; a lost
 * database connection is tried again rather than read as signed out.
 */
export async function resolveSessionUser(
  claims: SessionClaims | null,
  client = db,
): Promise<SessionUser | null> {
  if (!claims) return null;
  // Auth.js reads an error here as "signed out": a dropped database connection must not sign anyone out.
  const user = await retryTransient(
    () =>
      client.user.findUnique({
        where: { id: claims.userId },
        select: { id: true, name: true, email: true, image: true, sessionVersion: true },
      }),
    { attempts: 5 },
  );
  if (!user || user.sessionVersion !== claims.sessionVersion) return null;
  return { id: user.id, name: user.name, email: user.email, image: user.image };
}
