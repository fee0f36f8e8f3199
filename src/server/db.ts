import "server-only";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "~/env";
import { startEmbeddedDatabase } from "./db/embedded-database";
import { PrismaClient } from "./db/generated/client";
import { migrate } from "./db/migrate";

export type { PrismaClient } from "./db/generated/client";
export { Prisma, Role } from "./db/generated/client";

/** Whether a database error is a unique-key violation (Prisma's P2002): a row with that key exists. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}

/**
 * Run `attempt` (a transaction that picks the next number of something) again when it loses a race
 * on a unique key, up to `times` times. Resolves with its result, or `null` when every attempt lost.
 */
export async function retryOnUniqueViolation<T>(attempt: () => Promise<T>, times = 3): Promise<T | null> {
  for (let i = 0; i < times; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return null;
}

/** The database the process talks to, after migrations were applied (`migrated` names those applied now). */
export type StartedDatabase = { url: string; embedded: boolean; migrated: string[]; stop(): Promise<void> };

/**
 * Process-wide state, kept on globalThis so that Next's dev reloads and the copy of this module that Next
 * bundles (same process as src/server/main.ts) share one database, one server and one client.
 */
type DbGlobal = {
  started?: Promise<StartedDatabase>;
  url?: string;
  embedded?: boolean;
  client?: PrismaClient;
  clientUrl?: string;
};
const holder = globalThis as { [key: symbol]: DbGlobal | undefined };
const key = Symbol.for("troupe.db");
holder[key] ??= {};
const state: DbGlobal = holder[key];

/** A Prisma 7 client over `pg` (no engine binary). Use `maxConnections: 1` for an embedded PGlite URL. */
export function createDatabaseClient(url: string, options: { maxConnections?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}

/**
 * Opens the database and applies migrations, once per process: env.DATABASE_URL when set, else PGlite
 * persisted in `<TROUPE_DATA_DIR>/pglite` and served on a local socket. `stop()` disconnects the shared
 * client, closes PGlite, and lets a later call start again on the same data.
 */
export function startDatabase(): Promise<StartedDatabase> {
  state.started ??= open().catch((error: unknown) => {
    state.started = undefined;
    throw error;
  });
  return state.started;
}

async function open(): Promise<StartedDatabase> {
  if (env.DATABASE_URL !== undefined) {
    const url = env.DATABASE_URL;
    const { applied } = await migrate(url);
    state.url = url;
    state.embedded = false;
    return { url, embedded: false, migrated: applied, stop: () => forget(url) };
  }
  const embedded = await startEmbeddedDatabase(join(env.TROUPE_DATA_DIR, "pglite"));
  let applied: string[];
  try {
    ({ applied } = await migrate(embedded.url));
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  state.url = embedded.url;
  state.embedded = true;
  return {
    url: embedded.url,
    embedded: true,
    migrated: applied,
    async stop() {
      await forget(embedded.url);
      await embedded.stop();
    },
  };
}

async function forget(url: string): Promise<void> {
  if (state.clientUrl === url) {
    const client = state.client;
    state.client = undefined;
    state.clientUrl = undefined;
    await client?.$disconnect();
  }
  if (state.url === url) {
    state.url = undefined;
    state.embedded = undefined;
  }
  state.started = undefined;
}

/** The URL of the running database, or undefined before `startDatabase()` in embedded mode. */
export function databaseUrl(): string | undefined {
  return state.url ?? env.DATABASE_URL;
}

/** The shared client, created on first use. */
export function getDb(): PrismaClient {
  const url = databaseUrl();
  if (url === undefined) {
    throw new Error(
      "The embedded database is not running: call startDatabase() first (src/server/main.ts does), or set DATABASE_URL.",
    );
  }
  if (state.client === undefined || state.clientUrl !== url) {
    state.client = createDatabaseClient(url, { maxConnections: state.embedded ? 1 : 10 });
    state.clientUrl = url;
  }
  return state.client;
}

/**
 * The shared Prisma client (create-t3-app's `db`). It resolves lazily, so importing this module opens
 * nothing; using it before `startDatabase()` in embedded mode throws a clear error.
 */
export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = getDb();
    const value: unknown = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
  has(_target, property) {
    return Reflect.has(getDb(), property);
  },
});
