import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "~/server/db/migrate";
import { createTestDatabase, query, type TestDatabase } from "./postgres-test-database";

const run = promisify(execFile);

/** `pg_dump --schema-only` reduced to a sorted list of statements, without Prisma's bookkeeping table. */
async function schemaOf(url: string): Promise<string[]> {
  const { stdout } = await run("pg_dump", ["--schema-only", "--no-owner", "--no-privileges", url], {
    maxBuffer: 32 * 1024 * 1024,
  });
  const body = stdout
    .split("\n")
    .filter((line) => !line.startsWith("--") && !line.startsWith("\\"))
    .filter((line) => !/^(SET|SELECT pg_catalog\.set_config)\b/.test(line))
    .join("\n");
  return body
    .split(/;\s*\n/)
    .map((statement) => sortColumns(statement.replace(/\s+/g, " ").trim()))
    .filter((statement) => statement !== "" && !statement.includes("_prisma_migrations"))
    .sort();
}

/**
 * A column added by a later migration comes last in the table, but where the model declares it in a
 * from-empty build: compare the columns of a CREATE TABLE as a set.
 */
function sortColumns(statement: string): string {
  const match = /^CREATE TABLE (\S+) \((.*)\)$/.exec(statement);
  if (!match) return statement;
  const columns: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of match[2]!) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      columns.push(current.trim());
      current = "";
    } else current += char;
  }
  columns.push(current.trim());
  return `CREATE TABLE ${match[1]} (${columns.sort().join(", ")})`;
}

/** The SQL that `prisma migrate diff --from-empty` (Prisma 6.19 wasm engine) gives for a schema file. */
async function sqlFromSchema(schemaPath: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ["scripts/prisma-migration.mjs", "--sql", `--schema=${schemaPath}`],
    { maxBuffer: 32 * 1024 * 1024 },
  );
  return stdout;
}

function compare(expected: string[], actual: string[]) {
  return {
    missingFromMigrations: expected.filter((statement) => !actual.includes(statement)),
    notInSchema: actual.filter((statement) => !expected.includes(statement)),
  };
}

describe("schema drift", () => {
  const databases: TestDatabase[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "troupe-db-drift-"));
  let fromMigrations: string[];

  afterAll(async () => {
    for (const db of databases) await db.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function databaseFromSchema(label: string, schemaPath: string): Promise<string[]> {
    const db = await createTestDatabase(label);
    databases.push(db);
    const sql = await sqlFromSchema(schemaPath);
    expect(sql).toContain("CREATE TABLE");
    await query(db.url, sql);
    return schemaOf(db.url);
  }

  it("prisma/migrations builds exactly the database prisma/schema.prisma describes", async () => {
    const migrated = await createTestDatabase("drift_migrations");
    databases.push(migrated);
    await migrate(migrated.url);
    fromMigrations = await schemaOf(migrated.url);
    const fromSchema = await databaseFromSchema("drift_schema", "prisma/schema.prisma");

    expect(fromMigrations.length).toBeGreaterThan(10);
    expect(
      compare(fromSchema, fromMigrations),
      "prisma/schema.prisma and prisma/migrations disagree: run `node scripts/prisma-migration.mjs <name>`",
    ).toEqual({ missingFromMigrations: [], notInSchema: [] });
  });

  it("notices a schema edit that has no migration", async () => {
    const edited = join(scratch, "schema.prisma");
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    writeFileSync(edited, schema.replace(/model Team \{/, "model Team {\n  motto String?"));
    const fromEdited = await databaseFromSchema("drift_edited", edited);

    const { missingFromMigrations, notInSchema } = compare(fromEdited, fromMigrations);
    expect(missingFromMigrations.join("\n")).toContain("motto text");
    expect(notInSchema.join("\n")).toContain('CREATE TABLE public."Team"');
  });
});
