import "server-only";
import { getToken } from "@auth/core/jwt";
import { env } from "~/env";
import { resolveAuthSecret } from "./auth-secret";
import { readSessionClaims, resolveSessionUser, type SessionUser } from "./session-version";

/** Whether session cookies carry the `__Secure-` prefix: only when the public origin is https. */
export function secureCookiesEnabled(): boolean {
  return env.APP_URL?.startsWith("https://") ?? false;
}

/**
 * Authenticate a raw Cookie header outside Next (Socket.IO handshakes): decode the Auth.js session JWT
 * and re-check the user's session version. Returns the user or null.
 */
export async function userFromCookieHeader(cookieHeader: string | undefined): Promise<SessionUser | null> {
  if (!cookieHeader) return null;
  const token = await getToken({
    req: { headers: { cookie: cookieHeader } },
    secret: resolveAuthSecret(),
    secureCookie: secureCookiesEnabled(),
    logger: { error: () => {}, warn: () => {}, debug: () => {} },
  });
  return resolveSessionUser(readSessionClaims(token));
}
