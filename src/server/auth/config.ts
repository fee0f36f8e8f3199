import "server-only";
import { CredentialsSignin } from "@auth/core/errors";
import type { DefaultSession, NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { z } from "zod";
import { env } from "~/env";
import { text } from "~/graph";
import { CLIENT_ADDRESS_HEADER } from "~/server/client-address";
import { db } from "~/server/db";
import { logger } from "~/server/logger";
import { resolveAuthSecret } from "./auth-secret";
import { authErrorType, isExpectedAuthError } from "./expected-errors";
import { linkOAuthAccount } from "./oauth-account";
import { verifyPassword } from "./password";
import { consumeSignIn, forgiveSignIn, signInRefusals } from "./rate-limits";
import { secureCookiesEnabled } from "./session-cookie";
import { readSessionClaims, resolveSessionUser } from "./session-version";

declare module "next-auth" {
  interface Session extends DefaultSession {
    user: { id: string } & DefaultSession["user"];
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    userId?: string;
    sessionVersion?: number;
  }
}

/** A NUL typed into the e-mail becomes U+FFFD (`text()`), so the lookup finds nobody instead of failing. */
const credentialsSchema = z.object({
  email: text().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});

/** Verified against when the e-mail is unknown, so a miss costs as long as a wrong password. */
const DUMMY_HASH = `scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$${"A".repeat(86)}`;

/** A sign-in refused because its address or account is past its rate limit (src/server/auth/rate-limits.ts). */
export class SignInRateLimited extends CredentialsSignin {
  override code = "rate_limited";
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}

/**
 * Check an e-mail and password; the user on success, null otherwise (never says which part was
 * wrong). Every sign-in path (the form's server action, Auth.js's credentials endpoint) comes
 * through here, so this is where attempts are counted, per client address (the request's
 * CLIENT_ADDRESS_HEADER) and per account; past a limit it throws SignInRateLimited unchecked.
 */
export async function authorizeCredentials(raw: unknown, request?: Request) {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const address = request?.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown";
  const limit = await consumeSignIn(address, email);
  if (!limit.ok) {
    logger.info({ address }, "sign-in refused: too many attempts");
    const refusal = signInRefusals.getStore();
    if (refusal) refusal.retryAfterSeconds = limit.retryAfterSeconds;
    throw new SignInRateLimited(limit.retryAfterSeconds);
  }
  const user = await db.user.findUnique({ where: { email } });
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !valid) return null;
  await forgiveSignIn(address, email);
  return { id: user.id, name: user.name, email: user.email, image: user.image };
}

function oauthProviders() {
  const providers = [];
  if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) {
    providers.push(GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET }));
  }
  if (env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET) {
    providers.push(Google({ clientId: env.AUTH_GOOGLE_ID, clientSecret: env.AUTH_GOOGLE_SECRET }));
  }
  return providers;
}

/** OAuth providers switched on by the environment, for the sign-in page's buttons. */
export const enabledOAuthProviders = oauthProviders().map((provider) => ({
  id: provider.id,
  name: provider.name,
}));

/**
 * Auth.js configuration: JWT sessions (required for credentials) carrying userId and sessionVersion; every
 * request re-reads the user so "sign out everywhere" and deleted users take effect at once.
 */
export function createAuthConfig(): NextAuthConfig {
  return {
    secret: resolveAuthSecret(),
    trustHost: true,
    useSecureCookies: secureCookiesEnabled(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    logger: {
      error(error) {
        if (isExpectedAuthError(error)) logger.debug({ kind: authErrorType(error) }, "auth: rejected");
        else logger.error({ err: error }, "auth error");
      },
      warn(code) {
        logger.warn({ code }, "auth warning");
      },
      debug(message) {
        logger.debug({ message }, "auth debug");
      },
    },
    providers: [
      Credentials({
        credentials: { email: { label: "E-mail" }, password: { label: "Password", type: "password" } },
        authorize: authorizeCredentials,
      }),
      ...oauthProviders(),
    ],
    callbacks: {
      async signIn({ account, profile, user }) {
        if (!account || account.type === "credentials") return true;
        const linked = await linkOAuthAccount({
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          type: account.type,
          profile: {
            name: profile?.name ?? user.name,
            email: profile?.email ?? user.email,
            image: user.image,
          },
        });
        if (linked.ok) return true;
        return linked.reason === "email-taken"
          ? "/sign-in?error=OAuthAccountNotLinked"
          : "/sign-in?error=SignUpClosed";
      },
      async jwt({ token, user, account }) {
        if (account && user) {
          let userId = user.id;
          if (account.type !== "credentials") {
            const linked = await linkOAuthAccount({
              provider: account.provider,
              providerAccountId: account.providerAccountId,
              type: account.type,
              profile: { name: user.name, email: user.email, image: user.image },
            });
            if (!linked.ok) return null;
            userId = linked.userId;
          }
          if (!userId) return null;
          const row = await db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true } });
          if (!row) return null;
          return { ...token, sub: userId, userId, sessionVersion: row.sessionVersion };
        }
        const current = await resolveSessionUser(readSessionClaims(token));
        if (!current) return null;
        return { ...token, name: current.name, email: current.email, picture: current.image };
      },
      session({ session, token }) {
        session.user.id = token.userId ?? "";
        return session;
      },
    },
  };
}
