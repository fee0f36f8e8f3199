import "server-only";
import { z } from "zod";
import type { ResolvedSecret } from "~/agents/secrets";
import { hostOrigins } from "~/graph/key-binding";
import { text } from "~/graph/text";
import { secretNamePattern } from "~/graph/validate";
import type { PrismaClient } from "~/server/db";
import { decryptSecret, encryptSecret, SecretDecryptionError } from "./crypto";
import { keyById, type SecretsKeyring, secretsKeyring } from "./keys";

/**
 * A team's secrets in the database: values encrypted under the keyring's current key, read back
 * only by the worker building a run (and by rotation). Nothing here returns a value to a caller
 * outside the server.
 */

/** Secret names as workflows write them (the pattern validation checks). */
export const secretNameSchema = z
  .string()
  .trim()
  .min(1, "Give the secret a name.")
  .max(64, "Secret names are at most 64 characters.")
  .regex(secretNamePattern, "Secret names are UPPER_SNAKE_CASE (A-Z, 0-9, _).");

/** A value: what the user pasted, trimmed of surrounding whitespace and newlines. */
export const secretValueSchema = z
  .string()
  .trim()
  .min(1, "The value is empty.")
  .max(16_384, "Secret values are at most 16 KB.")
  .refine((value) => !value.includes("\u0000"), "The value contains a NUL character.");

/**
 * The host a secret is bound to: `api.example.com` or `host:port`, as in a URL's host (lowercase,
 * no scheme or path); empty or null: unbound.
 */
export const allowedHostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .transform((value, context) => {
    if (value === "") return null;
    const problem = "The allowed host is a host name or address with an optional port, e.g. api.example.com";
    if (/[/\s@?#]/.test(value) || !URL.canParse(`https://${value}`)) {
      context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    const url = new URL(`https://${value}`);
    if (url.username || url.password || url.pathname !== "/") {
      context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return value;
  })
  .nullable();

/** A secret's description: user text, so a NUL is stored as U+FFFD (`text()`). */
export const secretDescriptionSchema = text().trim().max(500, "Descriptions are at most 500 characters.");

/** What may be shown about a secret: never its value. */
export const secretSummarySelect = {
  id: true,
  name: true,
  allowedHost: true,
  description: true,
  lastUsedAt: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true, email: true } },
} as const;

/** Encrypt a value for one team's secret under the keyring's current key. */
export function sealSecret(
  keyring: SecretsKeyring,
  teamId: string,
  name: string,
  value: string,
): { encryptedValue: string; keyId: string } {
  return {
    encryptedValue: encryptSecret(keyring.current, value, { teamId, name }),
    keyId: keyring.current.id,
  };
}

/** Decrypt a stored row with whichever key of the keyring encrypted it. */
export function openSecret(
  keyring: SecretsKeyring,
  row: { teamId: string; name: string; encryptedValue: string; keyId: string },
): string {
  const key = keyById(keyring, row.keyId);
  if (!key) {
    throw new SecretDecryptionError(
      `The secret ${row.name} was encrypted with a key this server does not have (key id ${row.keyId}); set SECRETS_KEY_PREVIOUS to it and run npm run secrets:rotate`,
    );
  }
  return decryptSecret(key, row.encryptedValue, { teamId: row.teamId, name: row.name });
}

/**
 * A team's secret as the engine resolves it (bound to its host, if it has one), marking it used;
 * undefined when the team has no secret of that name.
 */
export async function resolveTeamSecret(
  db: PrismaClient,
  teamId: string,
  name: string,
  keyring: SecretsKeyring = secretsKeyring(),
): Promise<ResolvedSecret | undefined> {
  const row = await db.teamSecret.findUnique({ where: { teamId_name: { teamId, name } } });
  if (!row) return undefined;
  const value = openSecret(keyring, row);
  await db.teamSecret.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return row.allowedHost ? { value, allowedOrigins: hostOrigins(row.allowedHost) } : { value };
}

/** The names and host bindings of a team's secrets (the canvas's and run.start's checks). */
export async function teamSecretBindings(
  db: PrismaClient,
  teamId: string,
): Promise<{ name: string; allowedHost: string | null }[]> {
  return db.teamSecret.findMany({
    where: { teamId },
    select: { name: true, allowedHost: true },
    orderBy: { name: "asc" },
  });
}

/**
 * Re-encrypt every row not under the keyring's current key (rows under SECRETS_KEY_PREVIOUS) with
 * the current key, one row per statement guarded by its old key id. Throws, changing nothing
 * more, at the first row no key of the keyring opens.
 */
export async function rotateSecrets(
  db: PrismaClient,
  keyring: SecretsKeyring,
): Promise<{ reencrypted: number; alreadyCurrent: number }> {
  const alreadyCurrent = await db.teamSecret.count({ where: { keyId: keyring.current.id } });
  let reencrypted = 0;
  for (;;) {
    const rows = await db.teamSecret.findMany({
      where: { keyId: { not: keyring.current.id } },
      orderBy: { id: "asc" },
      take: 100,
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      const value = openSecret(keyring, row);
      const { count } = await db.teamSecret.updateMany({
        where: { id: row.id, keyId: row.keyId },
        data: sealSecret(keyring, row.teamId, row.name, value),
      });
      reencrypted += count;
    }
  }
  return { reencrypted, alreadyCurrent };
}
