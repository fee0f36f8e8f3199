import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, expectCode, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * The endpoint and API-key routers: publishing a saved version under a slug, moving and unpublishing it
 * with its history, the share link and allowed origins, deleting, usage figures from stored calls and
 * runs, and keys that are answered once, stored hashed, scoped to the team's endpoints and revocable.
 * Every change lands in the audit log; bad input names the field and changes nothing.
 */
const database = await createTestDatabase("endpointrouter");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { authenticateApiKey, hashApiKey } = await import("~/server/publish/api-keys");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;
let admin: Person;
let viewer: Person;
let stranger: Person;
let workflowId: string;
let otherWorkflowId: string;
let v1: string;
let v2: string;
let otherVersion: string;
const graph = { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };

beforeAll(async () => {
  await startDatabase();
  admin = await person("Ada", "ada@example.com");
  viewer = await person("Vic", "vic@example.com");
  stranger = await person("Stan", "stan@example.com");
  await db.membership.create({ data: { teamId: admin.teamId, userId: viewer.userId, role: "viewer" } });
  const workflow = await db.workflow.create({ data: { teamId: admin.teamId, name: "Research", graph } });
  workflowId = workflow.id;
  v1 = (await db.workflowVersion.create({ data: { workflowId, number: 1, graph } })).id;
  v2 = (await db.workflowVersion.create({ data: { workflowId, number: 2, graph } })).id;
  const other = await db.workflow.create({ data: { teamId: admin.teamId, name: "Other", graph } });
  otherWorkflowId = other.id;
  otherVersion = (await db.workflowVersion.create({ data: { workflowId: other.id, number: 1, graph } })).id;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

async function auditActions(teamId: string): Promise<string[]> {
  const rows = await db.auditEvent.findMany({ where: { teamId }, orderBy: { createdAt: "asc" } });
  return rows.map((row) => `${row.action} ${row.target}`);
}

describe("endpoint router", () => {
  let endpointId: string;

  it("publishes a saved version under a slug, and says when the slug is taken", async () => {
    const team = admin.teamId;
    expect(await admin.caller.endpoint.slugAvailable({ teamId: team, slug: "research" })).toEqual({
      available: true,
      reason: null,
    });
    const published = await admin.caller.endpoint.publish({
      teamId: team,
      workflowId,
      versionId: v1,
      slug: "research",
      description: "Answers questions",
    });
    endpointId = published.id;
    expect(published.slug).toBe("research");
    expect((await admin.caller.endpoint.slugAvailable({ teamId: team, slug: "research" })).available).toBe(
      false,
    );
    const taken = await rejection(
      admin.caller.endpoint.publish({ teamId: team, workflowId, versionId: v2, slug: "research" }),
    );
    expect(taken.code).toBe("CONFLICT");
    expect(taken.message).toContain('"research"');

    const badSlug = await rejection(
      admin.caller.endpoint.publish({ teamId: team, workflowId, versionId: v2, slug: "Not A Slug" }),
    );
    expect(badSlug.code).toBe("BAD_REQUEST");
    expect(badSlug.message).toContain("slug");
    await expectCode(
      admin.caller.endpoint.publish({ teamId: team, workflowId, versionId: otherVersion, slug: "mixed" }),
      "NOT_FOUND",
    );
    await expectCode(
      viewer.caller.endpoint.publish({ teamId: team, workflowId, versionId: v2, slug: "viewer" }),
      "FORBIDDEN",
    );
    expect(await db.endpoint.count({ where: { teamId: team } })).toBe(1);
  });

  it("lists and reads the endpoint with its serving version, history and versions to move to", async () => {
    const list = await viewer.caller.endpoint.list({ teamId: admin.teamId });
    expect(list.items.map((e) => [e.slug, e.workflowVersion?.number, e.shareEnabled])).toEqual([
      ["research", 1, false],
    ]);
    const endpoint = await viewer.caller.endpoint.get({ teamId: admin.teamId, endpointId });
    expect(endpoint.workflowVersion?.number).toBe(1);
    expect(endpoint.servingSince).toBeInstanceOf(Date);
    expect(endpoint.team.slug).toBeTruthy();
    expect(endpoint.versions.map((v) => v.number)).toEqual([2, 1]);
    expect(endpoint.history.items.map((h) => [h.action, h.versionNumber, h.actor])).toEqual([
      ["published", 1, "Ada"],
    ]);
    await expectCode(stranger.caller.endpoint.get({ teamId: stranger.teamId, endpointId }), "NOT_FOUND");
  });

  it("moves to another version of the same workflow, unpublishes and publishes again, keeping the history", async () => {
    const team = admin.teamId;
    await admin.caller.endpoint.move({ teamId: team, endpointId, versionId: v2 });
    expect((await admin.caller.endpoint.get({ teamId: team, endpointId })).workflowVersion?.number).toBe(2);
    const foreign = await rejection(
      admin.caller.endpoint.move({ teamId: team, endpointId, versionId: otherVersion }),
    );
    expect(foreign.code).toBe("BAD_REQUEST");
    expect(foreign.message).toContain("workflow it was published from");
    await admin.caller.endpoint.unpublish({ teamId: team, endpointId });
    const unpublished = await admin.caller.endpoint.get({ teamId: team, endpointId });
    expect(unpublished.workflowVersion).toBeNull();
    expect(unpublished.servingSince).toBeNull();
    await admin.caller.endpoint.move({ teamId: team, endpointId, versionId: v1 });
    const history = await admin.caller.endpoint.history({ teamId: team, endpointId, limit: 2 });
    expect(history.items.map((h) => [h.action, h.versionNumber])).toEqual([
      ["published", 1],
      ["unpublished", null],
    ]);
    const rest = await admin.caller.endpoint.history({
      teamId: team,
      endpointId,
      cursor: history.nextCursor,
    });
    expect(rest.items.map((h) => [h.action, h.versionNumber])).toEqual([
      ["moved", 2],
      ["published", 1],
    ]);
    expect(otherWorkflowId).toBeTruthy();
  });

  it("turns the share link on with a fresh token and off, within the rate bounds", async () => {
    const team = admin.teamId;
    const on = await admin.caller.endpoint.setSharing({
      teamId: team,
      endpointId,
      enabled: true,
      ratePerMinute: 10,
    });
    expect(on).toMatchObject({ shareEnabled: true, shareRatePerMinute: 10 });
    expect(on.shareToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const off = await admin.caller.endpoint.setSharing({ teamId: team, endpointId, enabled: false });
    expect(off.shareToken).toBeNull();
    expect((await admin.caller.endpoint.get({ teamId: team, endpointId })).shareToken).toBeNull();
    const again = await admin.caller.endpoint.setSharing({ teamId: team, endpointId, enabled: true });
    expect(again.shareToken).not.toBe(on.shareToken);
    const tooFast = await rejection(
      admin.caller.endpoint.setSharing({ teamId: team, endpointId, enabled: true, ratePerMinute: 10_000 }),
    );
    expect(tooFast.message).toContain("at most 600");
  });

  it("stores allowed origins in canonical form and refuses a bad one naming it, changing nothing", async () => {
    const team = admin.teamId;
    const saved = await admin.caller.endpoint.setAllowedOrigins({
      teamId: team,
      endpointId,
      origins: ["HTTPS://App.Example.com", "http://localhost:5173/", "https://app.example.com"],
    });
    expect(saved.allowedOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
    const bad = await rejection(
      admin.caller.endpoint.setAllowedOrigins({
        teamId: team,
        endpointId,
        origins: ["https://ok.example.com", "https://evil.example.com/path"],
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toContain("https://evil.example.com/path");
    expect((await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).allowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
  });

  it("counts calls, errors, p50/p95 latency, tokens and cost per day, per key and per endpoint", async () => {
    const team = admin.teamId;
    const key = await db.apiKey.create({
      data: { teamId: team, name: "Usage", prefix: "trp_usage000", hash: "usage-hash" },
    });
    const now = new Date();
    const yesterday = new Date(now.getTime() - 86_400_000);
    const latencies = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    for (const [i, latencyMs] of latencies.entries()) {
      await db.apiRequest.create({
        data: {
          teamId: team,
          endpointId,
          apiKeyId: key.id,
          surface: "rest",
          status: i < 8 ? 200 : i === 8 ? 429 : 500,
          latencyMs,
          createdAt: now,
        },
      });
    }
    await db.apiRequest.create({
      data: { teamId: team, endpointId, surface: "share", status: 200, latencyMs: 5, createdAt: yesterday },
    });
    for (const [costUsd, tokens] of [
      [0.25, 100],
      [0.5, 300],
    ] as const) {
      await db.run.create({
        data: {
          teamId: team,
          workflowId,
          spec: {},
          task: "t",
          status: "succeeded",
          source: "api",
          endpointId,
          apiKeyId: key.id,
          inputTokens: tokens,
          outputTokens: 10,
          costUsd,
          createdAt: now,
        },
      });
    }
    const usage = await viewer.caller.endpoint.usage({ teamId: team, endpointId, days: 7 });
    expect(usage.days).toHaveLength(7);
    const today = usage.days.at(-1)!;
    expect(today.day).toBe(now.toISOString().slice(0, 10));
    expect(today).toMatchObject({
      calls: 10,
      errors: 2,
      p50Ms: 55,
      inputTokens: 400,
      outputTokens: 20,
    });
    // percentile_cont interpolates: the 95th of 10…100 is 95.5, rounded either way by floating point.
    expect([95, 96]).toContain(today.p95Ms);
    expect(today.costUsd).toBeCloseTo(0.75);
    expect(usage.days.at(-2)).toMatchObject({ calls: 1, errors: 0, p50Ms: 5, p95Ms: 5 });
    expect(usage.days[0]).toMatchObject({ calls: 0, p50Ms: null });
    expect(usage.totals).toMatchObject({ calls: 11, errors: 2 });
    expect(usage.byKey.map((k) => [k.label, k.calls, k.tokens])).toEqual([
      ["Usage (trp_usage000…)", 10, 420],
      ["Without a key (share link, refused)", 1, 0],
    ]);
    expect(usage.byEndpoint.map((e) => [e.label, e.calls])).toEqual([["research", 11]]);
    const perKey = await viewer.caller.endpoint.usage({ teamId: team, apiKeyId: key.id, days: 1 });
    expect(perKey.totals).toMatchObject({ calls: 10, errors: 2, p50Ms: 55 });
    const strangerKey = await db.apiKey.create({
      data: { teamId: stranger.teamId, name: "Theirs", prefix: "trp_theirs00", hash: "theirs-hash" },
    });
    await expectCode(admin.caller.endpoint.usage({ teamId: team, apiKeyId: strangerKey.id }), "NOT_FOUND");
  });

  it("records every change in the audit log", async () => {
    expect(await auditActions(admin.teamId)).toEqual([
      "endpoint.published research",
      "endpoint.moved research",
      "endpoint.unpublished research",
      "endpoint.published research",
      "endpoint.sharing research",
      "endpoint.sharing research",
      "endpoint.sharing research",
      "endpoint.origins_changed research",
    ]);
  });
});

describe("API key router", () => {
  let endpointId: string;
  let keyId: string;
  let clearKey: string;

  beforeAll(async () => {
    endpointId = (
      await admin.caller.endpoint.publish({
        teamId: admin.teamId,
        workflowId,
        versionId: v2,
        slug: "keys-demo",
      })
    ).id;
  });

  it("answers a new key once; only its hash and prefix are stored, and it authenticates", async () => {
    const created = await admin.caller.apiKey.create({
      teamId: admin.teamId,
      name: "Production",
      allEndpoints: false,
      endpointIds: [endpointId],
      rateLimitPerMinute: 120,
      monthlyCostCapUsd: 25,
    });
    clearKey = created.key;
    keyId = created.apiKey.id;
    expect(clearKey).toMatch(/^trp_[A-Za-z0-9_-]{40}$/);
    expect(created.apiKey).toMatchObject({
      name: "Production",
      prefix: clearKey.slice(0, 12),
      allEndpoints: false,
      endpoints: [{ id: endpointId, slug: "keys-demo" }],
      rateLimitPerMinute: 120,
      monthlyCostCapUsd: 25,
      createdBy: "Ada",
      revokedAt: null,
    });
    expect(JSON.stringify(created.apiKey)).not.toContain(clearKey);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = ["ApiKey", "AuditEvent"];
      for (const table of tables) {
        const dump = JSON.stringify((await client.query(`SELECT * FROM "${table}"`)).rows);
        expect(dump, table).not.toContain(clearKey);
      }
      const stored = (await client.query(`SELECT hash FROM "ApiKey" WHERE id = $1`, [keyId])).rows[0];
      expect(stored.hash).toBe(hashApiKey(clearKey));
    } finally {
      await client.end();
    }
    const caller = await authenticateApiKey(db, `Bearer ${clearKey}`);
    expect(caller.key.id).toBe(keyId);

    const listed = await viewer.caller.apiKey.list({ teamId: admin.teamId });
    expect(listed.items.map((k) => k.name)).toContain("Production");
    expect(JSON.stringify(listed)).not.toContain(clearKey);
    expect(JSON.stringify(listed)).not.toContain(hashApiKey(clearKey));
  });

  it("refuses a scope with another team's endpoint or none, and limits out of bounds, naming the field", async () => {
    const theirs = await db.workflow.create({ data: { teamId: stranger.teamId, name: "Theirs", graph } });
    const theirVersion = await db.workflowVersion.create({
      data: { workflowId: theirs.id, number: 1, graph },
    });
    const theirEndpoint = await stranger.caller.endpoint.publish({
      teamId: stranger.teamId,
      workflowId: theirs.id,
      versionId: theirVersion.id,
      slug: "theirs",
    });
    const before = await db.apiKey.count();
    const foreign = await rejection(
      admin.caller.apiKey.create({
        teamId: admin.teamId,
        name: "Sneaky",
        allEndpoints: false,
        endpointIds: [endpointId, theirEndpoint.id],
      }),
    );
    expect(foreign.code).toBe("BAD_REQUEST");
    expect(foreign.message).toContain(`endpointIds: this team has no endpoint "${theirEndpoint.id}"`);
    const none = await rejection(
      admin.caller.apiKey.create({ teamId: admin.teamId, name: "Empty", allEndpoints: false }),
    );
    expect(none.message).toContain("endpointIds");
    const tooFast = await rejection(
      admin.caller.apiKey.create({ teamId: admin.teamId, name: "Fast", rateLimitPerMinute: 10_001 }),
    );
    expect(tooFast.message).toContain("at most 10,000");
    await expectCode(viewer.caller.apiKey.create({ teamId: admin.teamId, name: "Viewer" }), "FORBIDDEN");
    expect(await db.apiKey.count()).toBe(before);
  });

  it("updates limits and scope, and a deleted endpoint leaves the keys scoped to it", async () => {
    const updated = await admin.caller.apiKey.update({
      teamId: admin.teamId,
      apiKeyId: keyId,
      name: "Production (EU)",
      rateLimitPerMinute: 30,
      monthlyCostCapUsd: null,
    });
    expect(updated).toMatchObject({
      name: "Production (EU)",
      rateLimitPerMinute: 30,
      monthlyCostCapUsd: null,
    });
    expect(updated.endpoints.map((e) => e.slug)).toEqual(["keys-demo"]);
    const broadened = await admin.caller.apiKey.update({
      teamId: admin.teamId,
      apiKeyId: keyId,
      allEndpoints: true,
    });
    expect(broadened).toMatchObject({ allEndpoints: true, endpoints: [] });
    await admin.caller.apiKey.update({
      teamId: admin.teamId,
      apiKeyId: keyId,
      allEndpoints: false,
      endpointIds: [endpointId],
    });
    await admin.caller.endpoint.delete({ teamId: admin.teamId, endpointId });
    expect(await db.endpoint.findUnique({ where: { id: endpointId } })).toBeNull();
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).endpointIds).toEqual([]);
  });

  it("revokes a key: authentication answers 401 revoked, and it can no longer be changed", async () => {
    const revoked = await admin.caller.apiKey.revoke({ teamId: admin.teamId, apiKeyId: keyId });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    await expect(authenticateApiKey(db, `Bearer ${clearKey}`)).rejects.toMatchObject({
      status: 401,
      code: "revoked_api_key",
    });
    const again = await admin.caller.apiKey.revoke({ teamId: admin.teamId, apiKeyId: keyId });
    expect(again.revokedAt).toEqual(revoked.revokedAt);
    await expectCode(
      admin.caller.apiKey.update({ teamId: admin.teamId, apiKeyId: keyId, rateLimitPerMinute: 5 }),
      "BAD_REQUEST",
    );
    await expectCode(
      stranger.caller.apiKey.revoke({ teamId: stranger.teamId, apiKeyId: keyId }),
      "NOT_FOUND",
    );
    const actions = (await auditActions(admin.teamId)).filter((a) => a.startsWith("apiKey."));
    expect(actions).toEqual([
      `apiKey.created Production (${clearKey.slice(0, 12)}…)`,
      `apiKey.updated Production (EU) (${clearKey.slice(0, 12)}…)`,
      `apiKey.updated Production (EU) (${clearKey.slice(0, 12)}…)`,
      `apiKey.updated Production (EU) (${clearKey.slice(0, 12)}…)`,
      `apiKey.revoked Production (EU) (${clearKey.slice(0, 12)}…)`,
    ]);
    expect(await auditActions(admin.teamId)).toContain("endpoint.deleted keys-demo");
  });
});
