import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MigrationError, migrationChecksum, readMigrations } from "~/server/db/migrate";

const scratch = mkdtempSync(join(tmpdir(), "troupe-db-unit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("readMigrations", () => {
  it("returns folders with a migration.sql in name order, with Prisma's checksum", () => {
    const dir = join(scratch, "ordered");
    for (const [name, sql] of [
      ["20260102000000_b", "SELECT 2;\n"],
      ["20260101000000_a", "SELECT 1;\r\n"],
      ["20260103000000_empty", null],
    ] as const) {
      mkdirSync(join(dir, name), { recursive: true });
      if (sql !== null) writeFileSync(join(dir, name, "migration.sql"), sql);
    }
    writeFileSync(join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
    const migrations = readMigrations(dir);
    expect(migrations.map((m) => m.name)).toEqual(["20260101000000_a", "20260102000000_b"]);
    expect(migrations[0]!.sql).toBe("SELECT 1;\r\n");
    // sha256 of the exact bytes, line endings included (what `prisma migrate deploy` stores).
    expect(migrations[0]!.checksum).toBe("d3cd5042f97738960d802ad6b3a548dfa18152215118ba18f04493bc6944b0e4");
  });

  it("names a missing folder", () => {
    expect(() => readMigrations(join(scratch, "nope"))).toThrow(MigrationError);
  });
});

describe("migrationChecksum", () => {
  it("is the sha256 hex digest", () => {
    expect(migrationChecksum("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(migrationChecksum("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("prisma/migrations", () => {
  it("is in Prisma's layout, with a lock file and the schema snapshot the next migration diffs from", () => {
    const migrations = readMigrations("prisma/migrations");
    expect(migrations.length).toBeGreaterThan(0);
    for (const migration of migrations) expect(migration.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(readFileSync("prisma/migrations/migration_lock.toml", "utf8")).toMatch(
      /^provider = "postgresql"$/m,
    );
    expect(readFileSync("prisma/migrations/.schema-snapshot.prisma", "utf8")).toContain("datasource db");
  });
});
