import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "~/server/db";
import { ApiError } from "./api-error";

/** Keys look like `trp_` + 40 base62-ish characters; the prefix shown in lists is the first 12. */
const KEY_PREFIX = "trp_";
const SHOWN_PREFIX_LENGTH = 12;

/** sha256 (hex) of a key: what is stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A new key, shown once to its creator; only `hash` and `prefix` are stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(30).toString("base64url");
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), hash: hashApiKey(key) };
}

/** The stored key a call authenticated with, and its team. */
export interface ApiCaller {
  key: {
    id: string;
    name: string;
    teamId: string;
    allEndpoints: boolean;
    endpointIds: string[];
    rateLimitPerMinute: number;
    monthlyCostCapUsd: number | null;
  };
  team: { id: string; slug: string };
}

/**
 * Who is calling: the key in `Authorization: Bearer <key>`. Missing, malformed, unknown and revoked keys
 * are all 401 (a revoked key says so, since its owner may wonder). Marks the key used (at most once a minute).
 */
export async function authenticateApiKey(db: PrismaClient, authorization: string | null): Promise<ApiCaller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) {
    throw new ApiError(401, "missing_api_key", "Send an API key: Authorization: Bearer <key>.");
  }
  const presented = match[1]!;
  if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) {
    throw new ApiError(401, "invalid_api_key", "This API key is not valid.");
  }
  const hash = hashApiKey(presented);
  const row = await db.apiKey.findUnique({
    where: { hash },
    select: {
      id: true,
      name: true,
      hash: true,
      teamId: true,
      allEndpoints: true,
      endpointIds: true,
      rateLimitPerMinute: true,
      monthlyCostCapUsd: true,
      revokedAt: true,
      lastUsedAt: true,
      team: { select: { id: true, slug: true } },
    },
  });
  if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) {
    throw new ApiError(401, "invalid_api_key", "This API key is not valid.");
  }
  if (row.revokedAt) throw new ApiError(401, "revoked_api_key", "This API key has been revoked.");
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  const { team, hash: _hash, revokedAt: _revoked, lastUsedAt: _used, ...key } = row;
  return { key, team };
}

/** Whether a key's scope covers an endpoint. */
export function keyMayCall(key: ApiCaller["key"], endpoint: { id: string; teamId: string }): boolean {
  return key.teamId === endpoint.teamId && (key.allEndpoints || key.endpointIds.includes(endpoint.id));
}
