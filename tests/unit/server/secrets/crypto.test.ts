import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "~/env";
import {
  decryptSecret,
  encryptSecret,
  generateSecretsKey,
  keyIdOf,
  parseSecretsKey,
  SecretDecryptionError,
} from "~/server/secrets/crypto";
import { secretsKeyring } from "~/server/secrets/keys";

const context = { teamId: "team_1", name: "OPENAI_API_KEY" };
const value = "sk-live-0123456789abcdef";

describe("team secret encryption (AES-256-GCM)", () => {
  it("round-trips a value, with a fresh IV each time and no plaintext in the stored text", () => {
    const key = generateSecretsKey();
    const first = encryptSecret(key, value, context);
    const second = encryptSecret(key, value, context);
    expect(first).not.toBe(second);
    expect(first).not.toContain(value);
    expect(Buffer.from(first, "base64url").toString("latin1")).not.toContain(value);
    expect(decryptSecret(key, first, context)).toBe(value);
    expect(decryptSecret(key, second, context)).toBe(value);
    expect(decryptSecret(key, encryptSecret(key, "ünïcødé ✓", context), context)).toBe("ünïcødé ✓");
  });

  it("refuses the wrong key", () => {
    const stored = encryptSecret(generateSecretsKey(), value, context);
    expect(() => decryptSecret(generateSecretsKey(), stored, context)).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(generateSecretsKey(), stored, context)).toThrow(
      "The secret OPENAI_API_KEY could not be decrypted: the key is wrong or the stored value was altered",
    );
  });

  it("detects tampering: a flipped bit in the IV, the ciphertext or the tag, or truncation", () => {
    const key = generateSecretsKey();
    const bytes = Buffer.from(encryptSecret(key, value, context), "base64url");
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 1;
      expect(() => decryptSecret(key, altered.toString("base64url"), context)).toThrow(SecretDecryptionError);
    }
    expect(() => decryptSecret(key, bytes.subarray(0, 20).toString("base64url"), context)).toThrow(
      "The stored value of the secret OPENAI_API_KEY is truncated",
    );
  });

  it("binds a value to its team and name: copied onto another row, it does not decrypt", () => {
    const key = generateSecretsKey();
    const stored = encryptSecret(key, value, context);
    expect(() => decryptSecret(key, stored, { ...context, teamId: "team_2" })).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(key, stored, { ...context, name: "HF_TOKEN" })).toThrow(SecretDecryptionError);
  });

  it("reads keys as 64 hex digits or base64 of 32 bytes, with a stable id, and refuses anything else", () => {
    const raw = randomBytes(32);
    const hex = parseSecretsKey(raw.toString("hex"));
    const base64 = parseSecretsKey(raw.toString("base64"));
    const base64url = parseSecretsKey(raw.toString("base64url"));
    expect(hex.key.equals(raw)).toBe(true);
    expect(base64.id).toBe(hex.id);
    expect(base64url.id).toBe(hex.id);
    expect(hex.id).toBe(keyIdOf(raw));
    expect(hex.id).toMatch(/^[0-9a-f]{16}$/);
    expect(hex.id).not.toContain(raw.toString("hex").slice(0, 16));
    for (const bad of ["x".repeat(64), randomBytes(16).toString("hex"), randomBytes(31).toString("base64")]) {
      expect(() => parseSecretsKey(bad)).toThrow(
        /SECRETS_KEY must be 32 bytes written as 64 hex digits or base64/,
      );
    }
  });
});

describe("the secrets keyring", () => {
  const dataDir = () => mkdtempSync(path.join(tmpdir(), "troupe-secrets-"));

  it("uses SECRETS_KEY, and SECRETS_KEY_PREVIOUS as the key it replaces", () => {
    const current = randomBytes(32).toString("hex");
    const previous = randomBytes(32).toString("base64");
    const keyring = secretsKeyring(
      parseEnv({ SECRETS_KEY: current, SECRETS_KEY_PREVIOUS: previous, TROUPE_DATA_DIR: dataDir() }),
    );
    expect(keyring.current.id).toBe(parseSecretsKey(current).id);
    expect(keyring.previous?.id).toBe(parseSecretsKey(previous).id);
  });

  it("refuses to run production without SECRETS_KEY", () => {
    expect(() =>
      secretsKeyring(
        parseEnv({
          NODE_ENV: "production",
          DATABASE_URL: "postgres://db/troupe",
          TROUPE_DATA_DIR: dataDir(),
        }),
      ),
    ).toThrow("SECRETS_KEY must be set in production (DATABASE_URL is set and NODE_ENV=production)");
  });

  it("generates a key once under the data directory in embedded mode, readable by its owner only", () => {
    const dir = dataDir();
    const first = secretsKeyring(parseEnv({ TROUPE_DATA_DIR: dir }));
    const again = secretsKeyring(parseEnv({ TROUPE_DATA_DIR: dir }));
    expect(again.current.id).toBe(first.current.id);
    const file = path.join(dir, "secrets-key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseSecretsKey(readFileSync(file, "utf8")).id).toBe(first.current.id);
  });
});
