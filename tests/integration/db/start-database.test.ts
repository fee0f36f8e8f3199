import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readMigrations } from "~/server/db/migrate";
import { createTestDatabase, type TestDatabase } from "./postgres-test-database";

const names = readMigrations().map((m) => m.name);
const scratch: string[] = [];
const databases: TestDatabase[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-db-start-"));
  scratch.push(dir);
  return dir;
};

afterAll(async () => {
  for (const db of databases) await db.drop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("startDatabase() and db", () => {
  it("startDatabase() is memoised, hands its URL to a second copy of the module, and restarts on the same data", async () => {
    const dataRoot = tempDir();
    vi.stubEnv("DATABASE_URL", "");
    vi.stubEnv("TROUPE_DATA_DIR", dataRoot);
    try {
      vi.resetModules();
      const first = await import("~/server/db");
      expect(() => first.db.user).toThrow(/startDatabase\(\)/);
      const started = await first.startDatabase();
      expect(started.embedded).toBe(true);
      expect(started.migrated).toEqual(names);
      expect(started.url).toContain(encodeURIComponent(join(dataRoot, "pglite")));
      expect(await first.startDatabase()).toBe(started);
      await first.db.workflow.create({
        data: { name: "Hello", graph: { version: 1 }, team: { create: { name: "T", slug: "t" } } },
      });

      vi.resetModules();
      const bundledCopy = await import("~/server/db");
      expect(bundledCopy).not.toBe(first);
      expect(bundledCopy.databaseUrl()).toBe(started.url);
      expect(await bundledCopy.db.workflow.count()).toBe(1);

      await started.stop();
      expect(first.databaseUrl()).toBeUndefined();
      expect(() => first.db.workflow).toThrow(/startDatabase\(\)/);

      const restarted = await bundledCopy.startDatabase();
      expect(restarted).not.toBe(started);
      expect(restarted.migrated).toEqual([]);
      expect(await bundledCopy.db.workflow.findFirst()).toMatchObject({
        name: "Hello",
        graph: { version: 1 },
      });
      await restarted.stop();
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it("with DATABASE_URL: migrates that Postgres and serves the shared client", async () => {
    const database = await createTestDatabase("start");
    databases.push(database);
    vi.stubEnv("DATABASE_URL", database.url);
    try {
      vi.resetModules();
      const module = await import("~/server/db");
      const started = await module.startDatabase();
      expect(started).toMatchObject({ url: database.url, embedded: false, migrated: names });
      const user = await module.db.user.create({ data: { email: "pg@troupe.test" } });
      const [count, read] = await module.db.$transaction([
        module.db.user.count(),
        module.db.user.findUnique({ where: { id: user.id } }),
      ]);
      expect(count).toBe(1);
      expect(read?.email).toBe("pg@troupe.test");
      await started.stop();
      expect((await module.startDatabase()).migrated).toEqual([]);
      await (await module.startDatabase()).stop();
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
