import "server-only";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Env, env } from "~/env";
import { generateSecretsKey, parseSecretsKey, type SecretsKey } from "./crypto";

/** The key new values are encrypted with, and every key a stored value may have been encrypted with. */
export interface SecretsKeyring {
  current: SecretsKey;
  /** SECRETS_KEY_PREVIOUS during a rotation. */
  previous?: SecretsKey;
}

let cached: SecretsKeyring | undefined;

/**
 * The keys of team secrets: SECRETS_KEY (and SECRETS_KEY_PREVIOUS) when set; otherwise, outside
 * production, a key generated once into TROUPE_DATA_DIR/secrets-key (mode 0600), like AUTH_SECRET.
 * Production (DATABASE_URL set and NODE_ENV=production) without SECRETS_KEY throws: the server
 * refuses to start rather than keep credentials under a key nobody configured.
 */
export function secretsKeyring(source: Env = env): SecretsKeyring {
  if (source === env && cached) return cached;
  const previous = source.SECRETS_KEY_PREVIOUS
    ? parseSecretsKey(source.SECRETS_KEY_PREVIOUS, "SECRETS_KEY_PREVIOUS")
    : undefined;
  let current: SecretsKey;
  if (source.SECRETS_KEY) {
    current = parseSecretsKey(source.SECRETS_KEY);
  } else if (source.NODE_ENV === "production" && source.DATABASE_URL) {
    throw new Error(
      "SECRETS_KEY must be set in production (DATABASE_URL is set and NODE_ENV=production): it encrypts team secrets",
    );
  } else {
    current = generatedKey(path.resolve(source.TROUPE_DATA_DIR, "secrets-key"));
  }
  const keyring = previous && previous.id !== current.id ? { current, previous } : { current };
  if (source === env) cached = keyring;
  return keyring;
}

/** The key kept in `file`, made (0600, exclusively) on first use. */
function generatedKey(file: string): SecretsKey {
  try {
    return parseSecretsKey(readFileSync(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const fresh = generateSecretsKey();
  try {
    writeFileSync(file, fresh.key.toString("hex"), { mode: 0o600, flag: "wx" });
    return fresh;
  } catch {
    // Another process made it first.
    return parseSecretsKey(readFileSync(file, "utf8"), file);
  }
}

/** The key of the keyring with this id, if any. */
export function keyById(keyring: SecretsKeyring, id: string): SecretsKey | undefined {
  return [keyring.current, keyring.previous].find((key) => key?.id === id);
}
