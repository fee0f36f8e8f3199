import "server-only";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Env, env } from "~/env";

let cached: string | undefined;

/**
 * The secret that signs session JWTs: AUTH_SECRET when set; otherwise, outside production mode, a random
 * secret generated once and kept in TROUPE_DATA_DIR/auth-secret so sessions survive restarts. Production
 * mode (a real DATABASE_URL with NODE_ENV=production) without AUTH_SECRET fails fast.
 */
export function resolveAuthSecret(source: Env = env): string {
  if (source.AUTH_SECRET) return source.AUTH_SECRET;
  if (source === env && cached) return cached;
  if (source.NODE_ENV === "production" && source.DATABASE_URL) {
    throw new Error("AUTH_SECRET must be set in production (DATABASE_URL is set and NODE_ENV=production)");
  }
  const file = path.resolve(source.TROUPE_DATA_DIR, "auth-secret");
  let secret: string;
  try {
    secret = readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    secret = randomBytes(32).toString("base64url");
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    } catch {
      secret = readFileSync(file, "utf8").trim();
    }
  }
  if (source === env) cached = secret;
  return secret;
}
