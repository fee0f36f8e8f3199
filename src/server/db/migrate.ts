import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";

/** The advisory lock key `prisma migrate` takes, so the app and the Prisma CLI exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

/** One migration folder of prisma/migrations. */
export type Migration = { name: string; sql: string; checksum: string };

/** What a migration run did. */
export type MigrationResult = { applied: string[]; alreadyApplied: string[] };

/** Why migrating refused or failed; `kind` follows the house error classes. */
export class MigrationError extends Error {
  readonly kind = "unexpected" as const;
  constructor(
    readonly code: "checksum-mismatch" | "failed-migration" | "apply-failed" | "no-migrations",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** prisma/migrations relative to the working directory (the repository root for every entry point). */
export function defaultMigrationsDir(): string {
  return resolve("prisma/migrations");
}

/** Same checksum Prisma stores: sha256 hex of the migration.sql bytes. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** The migrations on disk, in the order Prisma applies them (folder name order). */
export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  if (!existsSync(dir)) throw new MigrationError("no-migrations", `No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: migrationChecksum(bytes) };
    });
}

const createTableSql = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

/**
 * Applies prisma/migrations/<name>/migration.sql in order to the database at `connectionString`,
 * recording each in `_prisma_migrations` the way `prisma migrate deploy` does, so either can take over.
 * Runs under Prisma's advisory lock (concurrent starters apply each migration once), one transaction
 * per migration, and refuses to go on when an applied migration's file changed or one failed earlier.
 */
export async function migrate(
  connectionString: string,
  options: { migrationsDir?: string; log?: (message: string) => void } = {},
): Promise<MigrationResult> {
  const migrations = readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations, options.log);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  migrations: Migration[],
  log: ((message: string) => void) | undefined,
): Promise<MigrationResult> {
  await client.query(createTableSql);
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  const failed = rows.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationError(
      "failed-migration",
      `Migration ${failed.migration_name} failed earlier and is recorded as unfinished in _prisma_migrations. ` +
        "Repair the database, then mark it with `prisma migrate resolve`, or delete that row.",
    );
  }
  const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new MigrationError(
          "checksum-mismatch",
          `Migration ${migration.name} was modified after it was applied (checksum ${checksum.slice(0, 12)}… ` +
            `in the database, ${migration.checksum.slice(0, 12)}… on disk). Restore the file and add a new migration instead.`,
        );
      }
      result.alreadyApplied.push(migration.name);
      continue;
    }
    await applyOne(client, migration);
    log?.(`applied migration ${migration.name}`);
    result.applied.push(migration.name);
  }
  return result;
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new MigrationError(
      "apply-failed",
      `Migration ${migration.name} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
