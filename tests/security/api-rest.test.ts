import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiHarness,
  createApiKey,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../helpers/api-harness";
import { apiFetch, publishAnother } from "../helpers/api-rest-client";

/**
 * The REST API refuses, over real HTTP and with nothing stored: missing, malformed, unknown and revoked
 * keys (401); a key outside its scope (403); another team's endpoint and runs (404, the same answer
 * as for ones that do not exist); an unpublished endpoint (404); past the key's rate limit or monthly
 * cost cap (429 with Retry-After); oversize (413), non-JSON (415) and invalid bodies (400 naming the
 * field). CORS headers appear only for an endpoint's allowed origins, never as `*` or with credentials.
 */
const database = await prepareApiEnvironment("api_rest_security", {
  TEAM_MAX_CONCURRENT_RUNS: "50",
  TEAM_MAX_RUNS_PER_HOUR: "10000",
});
const { unpublishEndpoint } = await import("~/server/publish/endpoints");

let harness: ApiHarness;
let teamA: PublishedFixture;
let teamB: PublishedFixture;
let otherEndpointId: string;
const ALLOWED = "https://app.example.com";

beforeAll(async () => {
  harness = await startApiHarness();
  teamA = await publishFixture(harness.db, {
    email: "a@example.com",
    slug: "answers",
    document: replayWorkflow("A's answer"),
  });
  teamB = await publishFixture(harness.db, {
    email: "b@example.com",
    slug: "secret-agent",
    document: replayWorkflow("B's answer"),
  });
  ({ endpointId: otherEndpointId } = await publishAnother(
    harness.db,
    teamA,
    "other",
    replayWorkflow("other"),
  ));
  await publishAnother(harness.db, teamA, "gone", replayWorkflow("gone"));
  await publishAnother(harness.db, teamA, "browser", replayWorkflow("from a page"), {
    allowedOrigins: [ALLOWED],
  });
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

const runs = (team: string, slug: string) => `/api/v1/endpoints/${team}/${slug}/runs`;

/** A key of team A with its own settings. */
async function keyOfA(options: Parameters<typeof createApiKey>[2]): Promise<string> {
  return (await createApiKey(harness.db, teamA, { name: "special", ...options })).key;
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string; param?: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error;
}

const runCount = () => harness.db.run.count();

/**
 * POST `size` bytes of JSON with node:http, as a client that reads an early answer does (the server
 * answers 413 before the upload ends and closes the connection; writes after that fail quietly).
 * With `declared` the length is sent as Content-Length, otherwise the body is chunked.
 */
function postUntilAnswered(
  path: string,
  size: number,
  declared: boolean,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, harness.base);
    const request = httpRequest(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${teamA.key}`,
        "content-type": "application/json",
        ...(declared ? { "content-length": String(size) } : {}),
      },
    });
    let answered = false;
    request.on("response", (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      response.on("error", reject);
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(256 * 1024, "y");
    request.write('{"task":"x","padding":"');
    let sent = 0;
    const pump = () => {
      while (!answered && !request.destroyed && sent < size) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered && !request.destroyed) request.end('"}');
    };
    pump();
  });
}

describe("keys", () => {
  it("refuses a missing, malformed, unknown or revoked key with 401 and starts nothing", async () => {
    const before = await runCount();
    const path = runs(teamA.teamSlug, "answers");
    const json = { task: "Hi" };
    await expectError(await apiFetch(harness.base, path, { json }), 401, "missing_api_key");
    await expectError(
      await apiFetch(harness.base, path, { json, headers: { authorization: `Basic ${teamA.key}` } }),
      401,
      "missing_api_key",
    );
    await expectError(
      await apiFetch(harness.base, path, { json, key: "trp_not-a-real-key" }),
      401,
      "invalid_api_key",
    );
    await expectError(
      await apiFetch(harness.base, path, { json, key: "sk-openai-key" }),
      401,
      "invalid_api_key",
    );
    const revoked = await keyOfA({ revoked: true });
    await expectError(await apiFetch(harness.base, path, { json, key: revoked }), 401, "revoked_api_key");
    await expectError(
      await apiFetch(harness.base, `/api/v1/runs/anything`, { key: revoked }),
      401,
      "revoked_api_key",
    );
    expect(await runCount()).toBe(before);
  });

  it("refuses a key outside its scope with 403, and hides the runs of endpoints it may not call", async () => {
    const scoped = await keyOfA({ endpointIds: [otherEndpointId] });
    const before = await runCount();
    await expectError(
      await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), { key: scoped, json: { task: "Hi" } }),
      403,
      "endpoint_not_in_scope",
    );
    expect(await runCount()).toBe(before);
    const ok = await apiFetch(harness.base, runs(teamA.teamSlug, "other"), {
      key: scoped,
      json: { task: "Hi" },
    });
    expect(ok.status).toBe(200);
    const outside = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), {
      key: teamA.key,
      json: { task: "Hi" },
    });
    const { id } = (await outside.json()) as { id: string };
    await expectError(
      await apiFetch(harness.base, `/api/v1/runs/${id}`, { key: scoped }),
      404,
      "run_not_found",
    );
    await expectError(
      await apiFetch(harness.base, `/api/v1/runs/${id}/events`, { key: scoped }),
      404,
      "run_not_found",
    );
  });
});

describe("another team", () => {
  it("answers a key of team A about team B's endpoint exactly as about one that does not exist", async () => {
    const before = await runCount();
    const cases = [
      runs(teamB.teamSlug, "secret-agent"),
      runs(teamA.teamSlug, "secret-agent"),
      runs(teamB.teamSlug, "no-such-endpoint"),
    ];
    const bodies: unknown[] = [];
    for (const path of cases) {
      const response = await apiFetch(harness.base, path, { key: teamA.key, json: { task: "Hi" } });
      expect(response.status).toBe(404);
      bodies.push(await response.json());
    }
    expect(JSON.stringify(bodies)).not.toContain("B's");
    expect(bodies[0]).toEqual({
      error: { code: "endpoint_not_found", message: 'No endpoint "secret-agent" for this API key.' },
    });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(await runCount()).toBe(before);
  });

  it("does not let team A read, follow or cancel team B's runs", async () => {
    const started = await apiFetch(harness.base, runs(teamB.teamSlug, "secret-agent"), {
      key: teamB.key,
      json: { task: "Private", async: true },
    });
    const { id } = (await started.json()) as { id: string };
    const unknown = await (
      await apiFetch(harness.base, "/api/v1/runs/no-such-run", { key: teamA.key })
    ).json();
    for (const [method, path] of [
      ["GET", `/api/v1/runs/${id}`],
      ["GET", `/api/v1/runs/${id}/events`],
      ["DELETE", `/api/v1/runs/${id}`],
    ] as const) {
      const response = await apiFetch(harness.base, path, { key: teamA.key, method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(unknown);
    }
    await expect
      .poll(async () => (await harness.db.run.findUniqueOrThrow({ where: { id } })).status, {
        timeout: 20_000,
      })
      .toBe("succeeded");
    const requests = await harness.db.apiRequest.findMany({ where: { teamId: teamA.teamId, runId: id } });
    expect(requests).toEqual([]);
  });
});

describe("endpoints", () => {
  it("answers 404 for an unpublished endpoint, saying so", async () => {
    const gone = await harness.db.endpoint.findFirstOrThrow({
      where: { teamId: teamA.teamId, slug: "gone" },
    });
    await unpublishEndpoint(harness.db, { teamId: teamA.teamId, endpointId: gone.id, actorId: teamA.userId });
    const error = await expectError(
      await apiFetch(harness.base, runs(teamA.teamSlug, "gone"), { key: teamA.key, json: { task: "Hi" } }),
      404,
      "endpoint_unpublished",
    );
    expect(error.message).toContain("not published");
  });
});

describe("limits", () => {
  it("answers 429 with Retry-After past the key's calls per minute, polls included", async () => {
    const key = await keyOfA({ rateLimitPerMinute: 2 });
    const first = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), { key, json: { task: "1" } });
    expect(first.status).toBe(200);
    const { id } = (await first.json()) as { id: string };
    expect((await apiFetch(harness.base, `/api/v1/runs/${id}`, { key })).status).toBe(200);
    const before = await runCount();
    const limited = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), {
      key,
      json: { task: "3" },
    });
    await expectError(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const poll = await apiFetch(harness.base, `/api/v1/runs/${id}`, { key });
    await expectError(poll, 429, "rate_limited");
    expect(await runCount()).toBe(before);
  });

  it("answers 429 with Retry-After once the key's runs this month cost its cap", async () => {
    const key = await keyOfA({ monthlyCostCapUsd: 0.000001 });
    const first = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), { key, json: { task: "1" } });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { cost_usd: number }).cost_usd).toBeGreaterThan(0.000001);
    const before = await runCount();
    const capped = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), {
      key,
      json: { task: "2" },
    });
    const error = await expectError(capped, 429, "cost_cap_reached");
    expect(error.message).toContain("monthly cap");
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const retryAfter = Number(capped.headers.get("retry-after"));
    expect(Math.abs(retryAfter - (nextMonth - now.getTime()) / 1000)).toBeLessThan(60);
    expect(await runCount()).toBe(before);
  });
  it("answers 429 with Retry-After when the team's runs in progress are at its limit", async () => {
    const teamC = await publishFixture(harness.db, {
      email: "c@example.com",
      slug: "busy",
      document: replayWorkflow("busy", { latencyMs: 20_000 }),
    });
    await harness.db.team.update({ where: { id: teamC.teamId }, data: { maxConcurrentRuns: 1 } });
    const path = runs(teamC.teamSlug, "busy");
    const first = await apiFetch(harness.base, path, { key: teamC.key, json: { task: "1", async: true } });
    expect(first.status).toBe(202);
    const limited = await apiFetch(harness.base, path, { key: teamC.key, json: { task: "2", async: true } });
    await expectError(limited, 429, "run_limit");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const { id } = (await first.json()) as { id: string };
    await apiFetch(harness.base, `/api/v1/runs/${id}`, { key: teamC.key, method: "DELETE" });
  });
});

describe("bodies", () => {
  const path = () => runs(teamA.teamSlug, "answers");

  it("refuses a body over the limit with 413, declared or streamed, without reading it all", async () => {
    const before = await runCount();
    const declared = await postUntilAnswered(path(), 33 * 1024 * 1024, true);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe("body_too_large");
    const streamed = await postUntilAnswered(path(), 40 * 1024 * 1024, false);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe("body_too_large");
    expect(await runCount()).toBe(before);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await apiFetch(harness.base, path(), {
      key: teamA.key,
      method: "POST",
      headers: { "content-type": "text/plain" },
    });
    await expectError(response, 415, "unsupported_media_type");
  });

  it("answers 400 naming the field for invalid input, unknown fields and malformed JSON", async () => {
    const before = await runCount();
    const cases: [unknown, string | undefined, RegExp][] = [
      [{}, "task", /task/],
      [{ task: "   " }, "task", /task/],
      [{ task: 42 }, "task", /task/],
      [{ task: "x", images: ["ftp://example.com/a.png"] }, "images.0", /URL or a base64 data URI/],
      [{ task: "x", additional_args: { "not valid": 1 } }, "additional_args.not valid", /identifiers/],
      [{ task: "x", temperature: 0.2 }, "temperature", /Unknown field "temperature"/],
      [{ task: "x", stream: true, async: true }, "async", /not both/],
      [{ task: "x", stream: "yes" }, "stream", /stream/],
    ];
    for (const [json, param, message] of cases) {
      const response = await apiFetch(harness.base, path(), { key: teamA.key, json });
      const error = await expectError(response, 400, "invalid_request");
      expect(error.param, JSON.stringify(json)).toBe(param);
      expect(error.message, JSON.stringify(json)).toMatch(message);
    }
    const malformed = await fetch(`${harness.base}${path()}`, {
      method: "POST",
      headers: { authorization: `Bearer ${teamA.key}`, "content-type": "application/json" },
      body: '{"task": ',
    });
    await expectError(malformed, 400, "invalid_json");
    expect(await runCount()).toBe(before);
  });
});

describe("CORS", () => {
  const browserPath = () => runs(teamA.teamSlug, "browser");

  it("answers an allowed origin's preflight and calls with that origin, never * nor credentials", async () => {
    const preflight = await fetch(`${harness.base}${browserPath()}`, {
      method: "OPTIONS",
      headers: {
        origin: ALLOWED,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();

    const call = await apiFetch(harness.base, browserPath(), {
      key: teamA.key,
      json: { task: "Hi" },
      headers: { origin: ALLOWED },
    });
    expect(call.status).toBe(200);
    expect(call.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(call.headers.get("access-control-allow-credentials")).toBeNull();
    expect(call.headers.get("vary")).toContain("Origin");
    const { id } = (await call.json()) as { id: string };

    // A page may read the errors too (a 401 from a page with a wrong key), and follow the run.
    const unauthorized = await apiFetch(harness.base, browserPath(), {
      json: { task: "Hi" },
      headers: { origin: ALLOWED },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const poll = await apiFetch(harness.base, `/api/v1/runs/${id}`, {
      key: teamA.key,
      headers: { origin: ALLOWED },
    });
    expect(poll.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const runPreflight = await fetch(`${harness.base}/api/v1/runs/${id}/events`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "GET" },
    });
    expect(runPreflight.status).toBe(204);
    expect(runPreflight.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });

  it("sends no CORS header to other origins, and refuses their preflights", async () => {
    const evil = "https://evil.example";
    const preflight = await fetch(`${harness.base}${browserPath()}`, {
      method: "OPTIONS",
      headers: { origin: evil, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const call = await apiFetch(harness.base, browserPath(), {
      key: teamA.key,
      json: { task: "Hi" },
      headers: { origin: evil },
    });
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
    const { id } = (await call.json()) as { id: string };
    const runPreflight = await fetch(`${harness.base}/api/v1/runs/${id}`, {
      method: "OPTIONS",
      headers: { origin: evil, "access-control-request-method": "DELETE" },
    });
    expect(runPreflight.status).toBe(403);
    // An endpoint without allowed origins: CORS is off for every origin.
    const off = await fetch(`${harness.base}${runs(teamA.teamSlug, "answers")}`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST" },
    });
    expect(off.status).toBe(403);
    expect(off.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await apiFetch(harness.base, runs(teamA.teamSlug, "answers"), {
      key: teamA.key,
      json: { task: "Hi" },
      headers: { origin: ALLOWED },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  });
});
