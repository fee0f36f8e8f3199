import "server-only";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Team secrets at rest: AES-256-GCM with a random 96-bit IV per value. The stored text is
 * base64url(IV ‖ ciphertext ‖ tag); the team and the secret's name are bound in as associated
 * data, so a value copied onto another row (or another team) does not decrypt.
 */

/** A 32-byte encryption key and its id (stored on every row it encrypted). */
export interface SecretsKey {
  id: string;
  key: Buffer;
}

/** A stored value that cannot be decrypted: another key, or altered bytes. */
export class SecretDecryptionError extends Error {
  override name = "SecretDecryptionError";
}

const ivBytes = 12;
const tagBytes = 16;

/** The id of a key: the first 8 bytes of its SHA-256, in hex (names the key, reveals nothing). */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/**
 * Parse a key written as 64 hex digits or as base64 / base64url of 32 bytes (`openssl rand -hex 32`,
 * `openssl rand -base64 32`); `variable` names it in the error.
 */
export function parseSecretsKey(text: string, variable = "SECRETS_KEY"): SecretsKey {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) key = Buffer.from(trimmed, "base64");
  if (key?.length !== 32) {
    throw new Error(
      `${variable} must be 32 bytes written as 64 hex digits or base64 (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  return { id: keyIdOf(key), key };
}

/** A fresh random key. */
export function generateSecretsKey(): SecretsKey {
  const key = randomBytes(32);
  return { id: keyIdOf(key), key };
}

/** Where a value belongs: decrypting it anywhere else fails. */
export interface SecretContext {
  teamId: string;
  name: string;
}

function associatedData(context: SecretContext): Buffer {
  return Buffer.from(`troupe-team-secret\u0000${context.teamId}\u0000${context.name}`, "utf8");
}

/** Encrypt one value under `key` for the secret `context`. */
export function encryptSecret(key: SecretsKey, value: string, context: SecretContext): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(associatedData(context));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
}

/** Decrypt a value stored by `encryptSecret` with the same key and context; throws SecretDecryptionError. */
export function decryptSecret(key: SecretsKey, stored: string, context: SecretContext): string {
  const bytes = Buffer.from(stored, "base64url");
  if (bytes.length < ivBytes + tagBytes) {
    throw new SecretDecryptionError(`The stored value of the secret ${context.name} is truncated`);
  }
  const decipher = createDecipheriv("aes-256-gcm", key.key, bytes.subarray(0, ivBytes));
  decipher.setAAD(associatedData(context));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  try {
    const body = bytes.subarray(ivBytes, bytes.length - tagBytes);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError(
      `The secret ${context.name} could not be decrypted: the key is wrong or the stored value was altered`,
    );
  }
}
