import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "~/env";
import { resolveAuthSecret } from "~/server/auth/auth-secret";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "troupe-web-secret-"));

describe("resolveAuthSecret", () => {
  it("uses AUTH_SECRET when it is set", () => {
    const secret = "s".repeat(40);
    expect(resolveAuthSecret(parseEnv({ AUTH_SECRET: secret, TROUPE_DATA_DIR: dataDir() }))).toBe(secret);
  });

  it("generates a secret once in embedded mode and keeps it in the data directory", () => {
    const dir = dataDir();
    const env = parseEnv({ TROUPE_DATA_DIR: dir, NODE_ENV: "production" });
    const first = resolveAuthSecret(env);
    expect(first.length).toBeGreaterThanOrEqual(43);
    expect(resolveAuthSecret(env)).toBe(first);
    expect(readFileSync(path.join(dir, "auth-secret"), "utf8")).toBe(first);
    expect(statSync(path.join(dir, "auth-secret")).mode & 0o777).toBe(0o600);
    expect(resolveAuthSecret(parseEnv({ TROUPE_DATA_DIR: dataDir() }))).not.toBe(first);
  });

  it("fails fast in production with a real database and no AUTH_SECRET", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://db/troupe",
      TROUPE_DATA_DIR: dataDir(),
    });
    expect(() => resolveAuthSecret(env)).toThrow(/AUTH_SECRET must be set/);
  });
});
