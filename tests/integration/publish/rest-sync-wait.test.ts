import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiHarness,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";
import { apiFetch, pollRun } from "../../helpers/api-rest-client";

/**
 * A synchronous call whose run outlasts API_SYNC_WAIT_SECONDS (here 0.5 s, the model takes 2.5 s)
 * answers 202 with the run id and its URLs when the wait is over, and the run goes on to its result.
 */
const database = await prepareApiEnvironment("rest-wait", { API_SYNC_WAIT_SECONDS: "0.5" });
const { runAcceptedSchema, runResultSchema } = await import("~/server/publish/rest-schemas");

let harness: ApiHarness;
let fixture: PublishedFixture;

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "wait@example.com",
    slug: "slow",
    document: replayWorkflow("eventually", { latencyMs: 2_500 }),
  });
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

describe("a synchronous call past the wait limit", () => {
  it("answers 202 with the run id after API_SYNC_WAIT_SECONDS, and the run finishes", async () => {
    const started = performance.now();
    const response = await apiFetch(harness.base, `/api/v1/endpoints/${fixture.teamSlug}/slow/runs`, {
      key: fixture.key,
      json: { task: "Take your time" },
    });
    const waited = performance.now() - started;
    expect(response.status).toBe(202);
    const accepted = runAcceptedSchema.parse(await response.json());
    expect(accepted.status).toMatch(/^(queued|running)$/);
    expect(response.headers.get("location")).toBe(accepted.urls.run);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(2_400);
    const result = runResultSchema.parse(await pollRun(harness.base, fixture.key, accepted.id));
    expect(result).toMatchObject({ id: accepted.id, status: "succeeded", output: "eventually" });
  });
});
