import { randomBytes } from "node:crypto";
import pg from "pg";

/** The local test Postgres (trust auth); databases made here are named `troupe_db_*` and dropped after. */
export const ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** A throwaway database on the test Postgres. */
export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates `troupe_db_<label>_<random>`; `drop()` removes it even with connections open. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `troupe_db_${label}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** Runs one query on a fresh connection. */
export async function query<R extends pg.QueryResultRow>(url: string, sql: string, values?: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
