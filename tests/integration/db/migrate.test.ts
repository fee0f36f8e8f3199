import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseClient } from "~/server/db";
import { MigrationError, migrate, migrationChecksum, readMigrations } from "~/server/db/migrate";
import { createTestDatabase, query, type TestDatabase } from "./postgres-test-database";

const migrations = readMigrations();
const names = migrations.map((m) => m.name);

type Row = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
};

describe("migration runner on real Postgres", () => {
  const databases: TestDatabase[] = [];
  const scratch: string[] = [];
  const fresh = async (label: string) => {
    const db = await createTestDatabase(label);
    databases.push(db);
    return db;
  };
  /** A copy of prisma/migrations that a test may edit. */
  const copyMigrations = () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-db-migrations-"));
    scratch.push(dir);
    cpSync("prisma/migrations", dir, { recursive: true });
    return dir;
  };

  afterAll(async () => {
    for (const db of databases) await db.drop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("applies every migration to a fresh database and records them as Prisma does", async () => {
    const db = await fresh("fresh");
    const result = await migrate(db.url);
    expect(result).toEqual({ applied: names, alreadyApplied: [] });

    const rows = await query<Row>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const [i, row] of rows.entries()) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(migrations[i]!.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    const columns = await query<{ column_name: string; data_type: string }>(
      db.url,
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name}:${c.data_type}`)).toEqual([
      "id:character varying",
      "checksum:character varying",
      "finished_at:timestamp with time zone",
      "migration_name:character varying",
      "logs:text",
      "rolled_back_at:timestamp with time zone",
      "started_at:timestamp with time zone",
      "applied_steps_count:integer",
    ]);
    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["User", "Team", "Workflow"]));
  });

  it("is a no-op the second time", async () => {
    const db = await fresh("rerun");
    await migrate(db.url);
    const before = await query<Row>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    const again = await migrate(db.url);
    expect(again).toEqual({ applied: [], alreadyApplied: names });
    const after = await query<Row>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(after).toEqual(before);
  });

  it("applies each migration once when two runners start together", async () => {
    const db = await fresh("race");
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const appliedCounts = names.map((name) => results.filter((r) => r.applied.includes(name)).length);
    expect(appliedCounts).toEqual(names.map(() => 1));
    const rows = await query<{ migration_name: string; n: string }>(
      db.url,
      `SELECT migration_name, count(*)::text AS n FROM "_prisma_migrations" GROUP BY migration_name`,
    );
    expect(rows.map((r) => r.n)).toEqual(names.map(() => "1"));
  });

  it("refuses to go on when an applied migration's file changed", async () => {
    const db = await fresh("checksum");
    const dir = copyMigrations();
    await migrate(db.url, { migrationsDir: dir });
    const first = names[0]!;
    const path = join(dir, first, "migration.sql");
    writeFileSync(path, `${migrations[0]!.sql}\n-- edited after it was applied\n`);
    const error = await migrate(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe("checksum-mismatch");
    expect((error as MigrationError).message).toContain(first);
  });

  it("applies a new migration after the others, and rolls back a failing one without recording it", async () => {
    const db = await fresh("next");
    const dir = copyMigrations();
    await migrate(db.url, { migrationsDir: dir });

    cpSync(join(dir, names[0]!), join(dir, "99990101000000_broken"), { recursive: true });
    const broken = `CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";\n`;
    writeFileSync(join(dir, "99990101000000_broken", "migration.sql"), broken);
    const error = await migrate(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe("apply-failed");
    const half = await query(db.url, `SELECT to_regclass('"Half"') AS t`);
    expect(half).toEqual([{ t: null }]);
    expect(
      await query(db.url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name LIKE '%broken'`),
    ).toEqual([]);

    const fixed = `CREATE TABLE "Later" (id int PRIMARY KEY);\n`;
    writeFileSync(join(dir, "99990101000000_broken", "migration.sql"), fixed);
    const result = await migrate(db.url, { migrationsDir: dir });
    expect(result.applied).toEqual(["99990101000000_broken"]);
    const [row] = await query<Row>(
      db.url,
      `SELECT * FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`,
    );
    expect(row!.checksum).toBe(migrationChecksum(fixed));
  });

  it("refuses while a migration is recorded as failed by `prisma migrate deploy`", async () => {
    const db = await fresh("failed");
    await migrate(db.url);
    await query(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ($1, $2, $3, 'boom')`,
      ["00000000-0000-4000-8000-000000000000", "0".repeat(64), "99990101000000_half_done"],
    );
    const error = await migrate(db.url).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe("failed-migration");
  });

  let clientDb: TestDatabase;
  beforeAll(async () => {
    clientDb = await createTestDatabase("client");
    databases.push(clientDb);
    await migrate(clientDb.url);
  });

  it("serves the Prisma client: create and read back", async () => {
    const client = createDatabaseClient(clientDb.url);
    try {
      const team = await client.team.create({
        data: {
          name: "Acme",
          slug: "acme",
          memberships: { create: { role: "owner", user: { create: { email: "o@acme.test" } } } },
        },
        include: { memberships: { include: { user: true } } },
      });
      const read = await client.team.findUniqueOrThrow({
        where: { slug: "acme" },
        include: { memberships: { include: { user: true } } },
      });
      expect(read.id).toBe(team.id);
      expect(read.memberships.map((m) => [m.role, m.user.email])).toEqual([["owner", "o@acme.test"]]);
    } finally {
      await client.$disconnect();
    }
  });
});
