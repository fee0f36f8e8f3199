import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../api/test-database";

/**
 * What a terminated database connection (a Postgres restart or failover, `pg_terminate_backend`) does
 * to the server's reads and writes: it is recognised as transient and tried again, so it neither
 * signs a user out nor fails a run's writes. Real Postgres; the suite's own database only.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = await createTestDatabase("lostconn");
process.env.DATABASE_URL = database.url;
const { createDatabaseClient, db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { resolveSessionUser } = await import("~/server/auth/session-version");
const { isTransientDatabaseError, retryTransient } = await import("~/server/db/transient");
const { createAgentDeps } = await import("~/server/runs/agent-deps");
const { secretsKeyring } = await import("~/server/secrets/keys");
const { sealSecret } = await import("~/server/secrets/team-secrets");

const dbName = new URL(database.url).pathname.slice(1);
let client: ReturnType<typeof createDatabaseClient>;
let user: { id: string; sessionVersion: number };
let team: { id: string; slug: string };

/** Terminate every connection to the test database but the admin's own and those of `keep`. */
async function terminateConnections(keep: number[] = []): Promise<number> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const { rowCount } = await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND NOT (pid = ANY($2::int[]))",
    [dbName, keep],
  );
  await admin.end();
  return rowCount ?? 0;
}

/** A connection busy in a statement when it is terminated: the statement fails with the driver's error. */
async function failureOfTerminatedStatement(): Promise<unknown> {
  const running = client.$queryRaw`SELECT pg_sleep(5)`.then(
    () => undefined,
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await terminateConnections();
  return running;
}

beforeAll(async () => {
  await startDatabase();
  const account = await signUp({ name: "Lin", email: "lin@example.com", password: "connections drop" });
  if (!account.ok) throw new Error("sign-up failed");
  user = await db.user.findUniqueOrThrow({ where: { email: "lin@example.com" } });
  client = createDatabaseClient(database.url, { maxConnections: 1 });
  const membership = await db.membership.findFirstOrThrow({
    where: { userId: user.id },
    select: { team: { select: { id: true, slug: true } } },
  });
  team = membership.team;
});

afterAll(async () => {
  await client.$disconnect();
  await db.$disconnect();
  await database.drop();
});

describe("lost database connections", () => {
  it("recognises the error of a statement whose connection was terminated as transient", async () => {
    const error = await failureOfTerminatedStatement();
    expect(error).toBeInstanceOf(Error);
    expect(isTransientDatabaseError(error)).toBe(true);
    // A refused statement is not transient: trying it again would fail the same way.
    const refused = await client.$queryRaw`SELECT * FROM "NoSuchTable"`.catch((e: unknown) => e);
    expect(isTransientDatabaseError(refused)).toBe(false);
  });

  it("does not sign a user out when the connection under the session check is cut", async () => {
    // Hold the user table so the session check is in flight on its connection when that is cut.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
    const lockerPid = (await locker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const claims = { userId: user.id, sessionVersion: user.sessionVersion };
    const checked = resolveSessionUser(claims, client);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await terminateConnections([lockerPid])).toBeGreaterThan(0);
    await locker.query("COMMIT");
    await locker.end();
    expect(await checked).toMatchObject({ id: user.id, email: "lin@example.com" });
  });

  it("resolves a run's team secret whose read lost its connection, instead of failing the run", async () => {
    const keyring = secretsKeyring();
    await db.teamSecret.create({
      data: { teamId: team.id, name: "SEARCH_KEY", ...sealSecret(keyring, team.id, "SEARCH_KEY", "s3cret") },
    });
    const deps = createAgentDeps(client, keyring);
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE "TeamSecret" IN ACCESS EXCLUSIVE MODE');
    const lockerPid = (await locker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const resolved = deps.depsFor(team).resolveSecret("SEARCH_KEY");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await terminateConnections([lockerPid])).toBeGreaterThan(0);
    await locker.query("COMMIT");
    await locker.end();
    expect(await resolved).toEqual({ value: "s3cret" });
    await deps.close();
  });

  it("tries a write again after its connection was cut, and gives up on a refused one at once", async () => {
    let tries = 0;
    const result = await retryTransient(async () => {
      tries++;
      if (tries === 1) throw await failureOfTerminatedStatement();
      return client.user.count();
    });
    expect([result, tries]).toEqual([1, 2]);
    let refusedTries = 0;
    await expect(
      retryTransient(() => {
        refusedTries++;
        return client.$queryRaw`SELECT * FROM "NoSuchTable"`;
      }),
    ).rejects.toThrow();
    expect(refusedTries).toBe(1);
  });
});
