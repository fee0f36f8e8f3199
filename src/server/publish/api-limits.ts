import "server-only";
import { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { env, mode } from "~/env";
import type { PrismaClient } from "~/server/db";
import { logger } from "~/server/logger";
import { ApiError } from "./api-error";
import type { ApiCaller } from "./api-keys";

/**
 * Limits of the HTTP API: calls per minute per key (its `rateLimitPerMinute`) and per client address on
 * a share link (the endpoint's `shareRatePerMinute`), counted in Redis with REDIS_URL (shared by every
 * web process) and in memory otherwise; and a key's monthly cost cap, summed from its runs.
 */
interface Limiters {
  byPoints: Map<string, RateLimiterAbstract>;
  redis?: Redis;
}

const key = Symbol.for("troupe.apiLimiters");
const globals = globalThis as Record<symbol, Limiters | undefined>;

function limiters(): Limiters {
  if (!globals[key]) {
    const redis = mode.redis
      ? new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
      : undefined;
    redis?.on("error", (err) => logger.warn({ err }, "api rate limits: redis"));
    globals[key] = { byPoints: new Map(), redis };
  }
  return globals[key];
}

/** One limiter per (purpose, calls per minute): keys and share links with different limits. */
function limiterFor(purpose: "key" | "share", perMinute: number): RateLimiterAbstract {
  const all = limiters();
  const name = `${purpose}:${perMinute}`;
  let limiter = all.byPoints.get(name);
  if (!limiter) {
    const keyPrefix = `troupe:api:${purpose}:${perMinute}`;
    const memory = new RateLimiterMemory({ keyPrefix, points: perMinute, duration: 60 });
    limiter = all.redis
      ? new RateLimiterRedis({
          storeClient: all.redis,
          keyPrefix,
          points: perMinute,
          duration: 60,
          insuranceLimiter: memory,
        })
      : memory;
    all.byPoints.set(name, limiter);
  }
  return limiter;
}

/** A limiter's "over the limit" answer (not `instanceof`: Next's bundles each hold a copy of the class). */
function msBeforeNext(reason: unknown): number | undefined {
  if (typeof reason !== "object" || reason === null || reason instanceof Error) return undefined;
  const ms = (reason as { msBeforeNext?: unknown }).msBeforeNext;
  return typeof ms === "number" ? ms : undefined;
}

async function take(purpose: "key" | "share", perMinute: number, subject: string, message: string) {
  try {
    await limiterFor(purpose, perMinute).consume(subject);
  } catch (reason) {
    const wait = msBeforeNext(reason);
    if (wait === undefined) throw reason;
    throw new ApiError(429, "rate_limited", message, { retryAfterSeconds: wait / 1000 });
  }
}

/** Take one call from a key's per-minute budget; 429 with Retry-After past it. */
export function takeKeyCall(caller: ApiCaller): Promise<void> {
  const limit = caller.key.rateLimitPerMinute;
  return take(
    "key",
    limit,
    caller.key.id,
    `This API key may make ${limit} calls per minute. Try again shortly.`,
  );
}

/** Take one run from a share link's per-address budget. */
export function takeShareCall(
  endpoint: { id: string; shareRatePerMinute: number },
  address: string,
): Promise<void> {
  const limit = endpoint.shareRatePerMinute;
  return take(
    "share",
    limit,
    `${endpoint.id}:${address}`,
    `This chat answers ${limit} messages per minute from one address. Try again shortly.`,
  );
}

/** The first instant of the next calendar month (UTC). */
function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Refuse a call when the key's runs this month (UTC) have cost its cap or more. */
export async function checkMonthlyCostCap(
  db: PrismaClient,
  caller: ApiCaller,
  now = new Date(),
): Promise<void> {
  const cap = caller.key.monthlyCostCapUsd;
  if (cap === null) return;
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const spent = await db.run.aggregate({
    where: { apiKeyId: caller.key.id, createdAt: { gte: since } },
    _sum: { costUsd: true },
  });
  const total = spent._sum.costUsd ?? 0;
  if (total >= cap) {
    throw new ApiError(
      429,
      "cost_cap_reached",
      `This API key has spent $${total.toFixed(4)} of its $${cap.toFixed(2)} monthly cap. It can call again next month.`,
      { retryAfterSeconds: (nextMonthStart(now).getTime() - now.getTime()) / 1000 },
    );
  }
}
