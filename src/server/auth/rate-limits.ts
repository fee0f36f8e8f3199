import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { env, mode } from "~/env";
import { waitInWords } from "~/lib/wait-in-words";
import { addressLimitKey } from "~/server/client-address";
import { logger } from "~/server/logger";

/**
 * Rate limits on signing in and signing up, per client address and per account (the e-mail
 * address), over AUTH_RATE_LIMIT_WINDOW_SECONDS:
 * - failed sign-ins per address (SIGN_IN_LIMIT_PER_IP) and per account (SIGN_IN_LIMIT_PER_ACCOUNT):
 *   every attempt takes a point first (so a burst of parallel guesses is counted as it arrives) and
 *   a successful one gives its points back;
 * - sign-up attempts per address (SIGN_UP_LIMIT_PER_IP), and per account with the sign-in count.
 * Counters live in Redis when REDIS_URL is set (shared by every web process), in memory otherwise.
 * If Redis fails, counting goes on in this process's memory rather than letting everyone through.
 */

interface AuthLimiters {
  signInPerAddress: RateLimiterAbstract;
  attemptsPerAccount: RateLimiterAbstract;
  signUpPerAddress: RateLimiterAbstract;
  redis?: Redis;
}

const key = Symbol.for("troupe.authLimiters");
const globals = globalThis as Record<symbol, AuthLimiters | undefined>;

function createLimiters(): AuthLimiters {
  const duration = env.AUTH_RATE_LIMIT_WINDOW_SECONDS;
  const redis = mode.redis
    ? new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
    : undefined;
  redis?.on("error", (err) => logger.warn({ err }, "auth rate limits: redis"));
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    return redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory })
      : memory;
  };
  return {
    signInPerAddress: limiter("troupe:auth:sign-in:address", env.SIGN_IN_LIMIT_PER_IP),
    attemptsPerAccount: limiter("troupe:auth:account", env.SIGN_IN_LIMIT_PER_ACCOUNT),
    signUpPerAddress: limiter("troupe:auth:sign-up:address", env.SIGN_UP_LIMIT_PER_IP),
    redis,
  };
}

/** The process's limiters, shared through globalThis with the code Next bundles (same process). */
function limiters(): AuthLimiters {
  globals[key] ??= createLimiters();
  return globals[key];
}

/** Whether an attempt may go ahead; when not, how long until it may. */
export type LimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Whether a rejection is a limiter's "over the limit" answer (a RateLimiterRes) rather than a fault.
 * Not `instanceof`: the limiters are shared through globalThis by Next's bundles, each with its own
 * copy of the library's classes, so one made by another bundle answers with another class.
 */
function isOverLimit(reason: unknown): reason is { msBeforeNext: number } {
  return (
    typeof reason === "object" &&
    reason !== null &&
    !(reason instanceof Error) &&
    typeof (reason as { msBeforeNext?: unknown }).msBeforeNext === "number"
  );
}

/** Take one point from each counter; refused when any is past its limit (every point is taken still). */
async function consume(counters: [RateLimiterAbstract, string][]): Promise<LimitDecision> {
  const results = await Promise.allSettled(counters.map(([limiter, name]) => limiter.consume(name)));
  let waitMs = 0;
  for (const result of results) {
    if (result.status === "fulfilled") continue;
    if (!isOverLimit(result.reason)) throw result.reason;
    waitMs = Math.max(waitMs, result.reason.msBeforeNext);
  }
  return waitMs === 0
    ? { ok: true }
    : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

const accountKey = (email: string) => email.trim().toLowerCase();

/** Count a sign-in attempt for this address and account before the password is checked. */
export function consumeSignIn(address: string, email: string): Promise<LimitDecision> {
  const { signInPerAddress, attemptsPerAccount } = limiters();
  return consume([
    [signInPerAddress, addressLimitKey(address)],
    [attemptsPerAccount, accountKey(email)],
  ]);
}

/** A sign-in succeeded: its attempt does not count against the address or the account. */
export async function forgiveSignIn(address: string, email: string): Promise<void> {
  const { signInPerAddress, attemptsPerAccount } = limiters();
  await Promise.all([
    signInPerAddress.reward(addressLimitKey(address)),
    attemptsPerAccount.reward(accountKey(email)),
  ]);
}

/** Count a sign-up attempt for this address and the e-mail it names. */
export function consumeSignUp(address: string, email: string): Promise<LimitDecision> {
  const { signUpPerAddress, attemptsPerAccount } = limiters();
  return consume([
    [signUpPerAddress, addressLimitKey(address)],
    [attemptsPerAccount, accountKey(email)],
  ]);
}

/** What a refused person reads. */
export function tooManyAttemptsMessage(action: "sign-in" | "sign-up", retryAfterSeconds: number): string {
  return `Too many ${action} attempts. Try again in ${waitInWords(retryAfterSeconds * 1000)}.`;
}

/**
 * Auth.js answers a refused credentials sign-in with a redirect whatever the reason; the route
 * handler runs it inside this store, and the credentials check records a rate-limit refusal here so
 * the handler can answer 429 with Retry-After instead.
 */
export const signInRefusals: AsyncLocalStorage<{ retryAfterSeconds?: number }> = (() => {
  const storeKey = Symbol.for("troupe.signInRefusals");
  const holder = globalThis as Record<symbol, AsyncLocalStorage<{ retryAfterSeconds?: number }> | undefined>;
  holder[storeKey] ??= new AsyncLocalStorage();
  return holder[storeKey];
})();

/** Close the Redis connection of the limiters (tests, shutdown). */
export async function closeAuthLimiters(): Promise<void> {
  const current = globals[key];
  globals[key] = undefined;
  current?.redis?.disconnect();
}
