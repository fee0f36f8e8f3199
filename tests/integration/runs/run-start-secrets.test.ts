import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../db/postgres-test-database";

/**
 * A run's start asks the database for a secret only when the team has one by that name: the claim
 * reads the team's secret names in its one statement, and a name outside them (an installation key
 * such as OPENAI_API_KEY, for most runs) resolves from the environment with no query.
 */

const installationKey = `sk-installation-${randomBytes(6).toString("hex")}`;
const database = await createTestDatabase("runstartsecrets");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  SECRETS_KEY: randomBytes(32).toString("hex"),
  OPENAI_API_KEY: installationKey,
  PYODIDE_POOL_SIZE: "0",
});
delete process.env.OPENAI_BASE_URL;
const { db, startDatabase } = await import("~/server/db");
const { claimRun, createRun } = await import("~/server/runs/run-store");
const { createAgentDeps } = await import("~/server/runs/agent-deps");
const { secretsKeyring } = await import("~/server/secrets/keys");
const { sealSecret } = await import("~/server/secrets/team-secrets");

let teamId = "";
const spec = {
  type: "toolCalling",
  name: "clerk",
  description: "",
  model: { provider: "openai", model: "gpt-4o-mini" },
  tools: [],
  maxSteps: 1,
};

beforeAll(async () => {
  await startDatabase();
  const team = await db.team.create({
    data: { name: "Secrets", slug: `secrets-${randomBytes(3).toString("hex")}` },
  });
  teamId = team.id;
  for (const name of ["SEARCH_KEY", "MAIL_TOKEN"]) {
    await db.teamSecret.create({
      data: { teamId, name, ...sealSecret(secretsKeyring(), teamId, name, `value of ${name}`) },
    });
  }
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** A client whose team secrets cannot be read: any lookup fails the resolution that made it. */
const noSecretReads = new Proxy(db, {
  get(target, property, receiver) {
    if (property === "teamSecret") throw new Error("the team's secrets were read");
    return Reflect.get(target, property, receiver);
  },
});

describe("claiming a run", () => {
  it("reads the names of the team's secrets with the run, in the claim's statement", async () => {
    const run = await createRun(db, { teamId, spec: spec as never, task: "t" });
    const claimed = await claimRun(db, run.id);
    expect(claimed?.secretNames.sort()).toEqual(["MAIL_TOKEN", "SEARCH_KEY"]);
    expect(await claimRun(db, run.id)).toBeNull();
  });
});

describe("resolving a run's secrets", () => {
  it("takes a name the team has no secret by from the environment without a query", async () => {
    const deps = createAgentDeps(noSecretReads, secretsKeyring()).depsFor({
      id: teamId,
      slug: "secrets",
      secretNames: ["MAIL_TOKEN", "SEARCH_KEY"],
    });
    expect((await deps.resolveSecret("OPENAI_API_KEY"))?.value).toBe(installationKey);
    expect(await deps.resolveSecret("MISSING_KEY")).toBeUndefined();
    await expect(deps.resolveSecret("SEARCH_KEY")).rejects.toThrow("the team's secrets were read");
  });

  it("reads the team's own secret when the claim saw its name, and every name when no list was given", async () => {
    const listed = createAgentDeps(db, secretsKeyring()).depsFor({
      id: teamId,
      slug: "secrets",
      secretNames: ["SEARCH_KEY"],
    });
    expect((await listed.resolveSecret("SEARCH_KEY"))?.value).toBe("value of SEARCH_KEY");
    const unlisted = createAgentDeps(db, secretsKeyring()).depsFor({ id: teamId, slug: "secrets" });
    expect((await unlisted.resolveSecret("MAIL_TOKEN"))?.value).toBe("value of MAIL_TOKEN");
    expect((await unlisted.resolveSecret("OPENAI_API_KEY"))?.value).toBe(installationKey);
  });
});
