import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunEvent, runEventSchema } from "~/agents/events";
import {
  type ApiHarness,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";
import { apiFetch, pollRun, publishAnother } from "../../helpers/api-rest-client";
import { readSse, type SseClientMessage } from "../../helpers/sse-reader";

/**
 * The REST API over real HTTP: a synchronous call answers the run's result (output, usage, cost, id);
 * async answers 202 and the run is polled; `stream: true` is read as Server-Sent Events as they arrive;
 * a dropped stream resumed with Last-Event-ID ends with every event exactly once; events as JSON pages;
 * cancel; every call recorded for the usage charts; the run is a normal run marked as an API run.
 */
const database = await prepareApiEnvironment("rest", {
  TEAM_MAX_CONCURRENT_RUNS: "50",
  TEAM_MAX_RUNS_PER_HOUR: "10000",
});
const { runResultSchema, runAcceptedSchema, runEventsPageSchema, cancelRunResponseSchema } = await import(
  "~/server/publish/rest-schemas"
);

let harness: ApiHarness;
let fixture: PublishedFixture;
const SLOW = "slow";
const VERY_SLOW = "very-slow";

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "rest@example.com",
    slug: "answers",
    document: replayWorkflow("forty-two"),
  });
  await publishAnother(harness.db, fixture, SLOW, replayWorkflow("slow answer", { latencyMs: 400 }));
  await publishAnother(harness.db, fixture, VERY_SLOW, replayWorkflow("too late", { latencyMs: 20_000 }));
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

const runsPath = (slug: string) => `/api/v1/endpoints/${fixture.teamSlug}/${slug}/runs`;

/** Every message of a stream until it ends, with the events parsed. */
async function collect(response: Response, stopAfter?: number) {
  const messages: SseClientMessage[] = [];
  for await (const message of readSse(response)) {
    messages.push(message);
    if (stopAfter !== undefined && messages.length >= stopAfter) break;
  }
  return messages;
}

function eventsOf(messages: SseClientMessage[]): RunEvent[] {
  return messages.filter((m) => m.event !== "end").map((m) => runEventSchema.parse(JSON.parse(m.data)));
}

describe("POST /api/v1/endpoints/{team}/{slug}/runs", () => {
  it("answers synchronously with the output, usage, cost and run id; the run is a normal API run", async () => {
    const response = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "What is the answer?", additional_args: { hint: 42 } },
    });
    expect(response.status).toBe(200);
    const body = runResultSchema.parse(await response.json());
    expect(body).toMatchObject({
      status: "succeeded",
      output: "forty-two",
      endpoint: "answers",
      error: null,
    });
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    expect(body.cost_usd).toBeGreaterThan(0);
    expect(response.headers.get("x-troupe-run-id")).toBe(body.id);
    expect(response.headers.get("location")).toBe(`/api/v1/runs/${body.id}`);

    const run = await harness.db.run.findUniqueOrThrow({ where: { id: body.id } });
    expect(run).toMatchObject({
      source: "api",
      apiKeyId: fixture.keyId,
      endpointId: fixture.endpointId,
      workflowId: fixture.workflowId,
      workflowVersionId: fixture.versionId,
      task: "What is the answer?",
      status: "succeeded",
      input: { additionalArgs: { hint: 42 } },
    });
    expect(run.inputTokens + run.outputTokens).toBe(body.usage.total_tokens);
  });

  it("answers 202 at once with async, and the run is polled to its result", async () => {
    const response = await apiFetch(harness.base, runsPath(SLOW), {
      key: fixture.key,
      json: { task: "Later", async: true },
    });
    expect(response.status).toBe(202);
    const accepted = runAcceptedSchema.parse(await response.json());
    expect(accepted.status).toMatch(/^(queued|running)$/);
    expect(accepted.endpoint).toBe(SLOW);
    expect(accepted.urls).toEqual({
      run: `/api/v1/runs/${accepted.id}`,
      events: `/api/v1/runs/${accepted.id}/events`,
    });
    const result = await pollRun(harness.base, fixture.key, accepted.id);
    expect(runResultSchema.parse(result)).toMatchObject({ status: "succeeded", output: "slow answer" });
  });

  it("streams the run's events as they happen, id = seq, ending with the result", async () => {
    const response = await apiFetch(harness.base, runsPath(SLOW), {
      key: fixture.key,
      json: { task: "Stream", stream: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const runId = response.headers.get("x-troupe-run-id")!;
    const arrivals: number[] = [];
    const messages: SseClientMessage[] = [];
    for await (const message of readSse(response)) {
      arrivals.push(Date.now());
      messages.push(message);
    }
    const events = eventsOf(messages);
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: run.lastSeq + 1 }, (_, i) => i));
    for (const [i, event] of events.entries()) {
      expect(messages[i]!.id).toBe(String(event.seq));
      expect(messages[i]!.event).toBe(event.type);
      expect(event.runId).toBe(runId);
    }
    // Live: the first event arrived while the run was still going (its model takes 400 ms).
    expect(arrivals[0]!).toBeLessThan(run.finishedAt!.getTime());
    const end = messages.at(-1)!;
    expect(end.event).toBe("end");
    expect(runResultSchema.parse(JSON.parse(end.data))).toMatchObject({
      id: runId,
      status: "succeeded",
      output: "slow answer",
    });
  });

  it("resumes a dropped stream with Last-Event-ID: every event exactly once, in order", async () => {
    const controller = new AbortController();
    const first = await apiFetch(harness.base, runsPath(SLOW), {
      key: fixture.key,
      json: { task: "Drop me", stream: true },
      signal: controller.signal,
    });
    const runId = first.headers.get("x-troupe-run-id")!;
    const before = await collect(first, 2);
    controller.abort(); // the connection drops while the model is still thinking
    expect(before.map((m) => m.id)).toEqual(["0", "1"]);
    const resumed = await apiFetch(harness.base, `/api/v1/runs/${runId}/events`, {
      key: fixture.key,
      headers: { accept: "text/event-stream", "last-event-id": before.at(-1)!.id! },
    });
    expect(resumed.status).toBe(200);
    const after = await collect(resumed);
    expect(after.at(-1)!.event).toBe("end");
    const seqs = [...eventsOf(before), ...eventsOf(after)].map((e) => e.seq);
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("succeeded");
    expect(seqs).toEqual(Array.from({ length: run.lastSeq + 1 }, (_, i) => i));
  });

  it("a stream resumed after the run has ended replays the rest and ends", async () => {
    const response = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "Done" },
    });
    const { id } = runResultSchema.parse(await response.json());
    const run = await harness.db.run.findUniqueOrThrow({ where: { id } });
    const resumed = await apiFetch(harness.base, `/api/v1/runs/${id}/events?after=${run.lastSeq - 2}`, {
      key: fixture.key,
      headers: { accept: "text/event-stream" },
    });
    const messages = await collect(resumed);
    expect(messages.map((m) => m.id ?? m.event)).toEqual([
      String(run.lastSeq - 1),
      String(run.lastSeq),
      "end",
    ]);
  });
});

describe("GET /api/v1/runs/{id}/events (JSON pages)", () => {
  it("pages through a run's events with after and limit until done", async () => {
    const response = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "Page" },
    });
    const { id } = runResultSchema.parse(await response.json());
    const seqs: number[] = [];
    let after = -1;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(50);
      const page = await apiFetch(harness.base, `/api/v1/runs/${id}/events?after=${after}&limit=2`, {
        key: fixture.key,
      });
      expect(page.status).toBe(200);
      const body = runEventsPageSchema.parse(await page.json());
      expect(body.events.length).toBeLessThanOrEqual(2);
      seqs.push(...body.events.map((e) => e.seq));
      after = body.next_after;
      if (body.done) {
        expect(body.status).toBe("succeeded");
        break;
      }
    }
    const run = await harness.db.run.findUniqueOrThrow({ where: { id } });
    expect(seqs).toEqual(Array.from({ length: run.lastSeq + 1 }, (_, i) => i));
  });

  it("says which query parameter is wrong", async () => {
    const response = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "Q" },
    });
    const { id } = runResultSchema.parse(await response.json());
    for (const [query, param] of [
      ["after=two", "after"],
      ["limit=501", "limit"],
      ["from=3", "from"],
    ] as const) {
      const page = await apiFetch(harness.base, `/api/v1/runs/${id}/events?${query}`, { key: fixture.key });
      expect(page.status).toBe(400);
      expect((await page.json()).error).toMatchObject({ code: "invalid_request", param });
    }
    const header = await apiFetch(harness.base, `/api/v1/runs/${id}/events`, {
      key: fixture.key,
      headers: { "last-event-id": "x" },
    });
    expect(header.status).toBe(400);
    expect((await header.json()).error.param).toBe("Last-Event-ID");
  });
});

describe("DELETE /api/v1/runs/{id}", () => {
  it("cancels a running run, which ends cancelled; a finished run keeps its status", async () => {
    const response = await apiFetch(harness.base, runsPath(VERY_SLOW), {
      key: fixture.key,
      json: { task: "Stop me", async: true },
    });
    const { id } = runAcceptedSchema.parse(await response.json());
    await expect
      .poll(async () => (await harness.db.run.findUniqueOrThrow({ where: { id } })).status)
      .toBe("running");
    const cancel = await apiFetch(harness.base, `/api/v1/runs/${id}`, { key: fixture.key, method: "DELETE" });
    expect(cancel.status).toBe(200);
    expect(cancelRunResponseSchema.parse(await cancel.json())).toMatchObject({
      id,
      status: expect.stringMatching(/^cancel(led|ling)$/),
    });
    const ended = await pollRun(harness.base, fixture.key, id, 15_000);
    expect(ended.status).toBe("cancelled");
    const again = await apiFetch(harness.base, `/api/v1/runs/${id}`, { key: fixture.key, method: "DELETE" });
    expect(await again.json()).toEqual({ id, status: "cancelled" });
  });
});

describe("usage records", () => {
  it("records every answered call with its team, endpoint, key, surface, status, latency and run", async () => {
    const response = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "Count me" },
    });
    const { id } = runResultSchema.parse(await response.json());
    await apiFetch(harness.base, `/api/v1/runs/${id}`, { key: fixture.key });
    const refused = await apiFetch(harness.base, runsPath("answers"), {
      key: fixture.key,
      json: { task: "" },
    });
    expect(refused.status).toBe(400);
    const rows = await harness.db.apiRequest.findMany({
      where: { runId: id },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => [r.surface, r.status, r.endpointId, r.apiKeyId, r.teamId])).toEqual([
      ["rest", 200, fixture.endpointId, fixture.keyId, fixture.teamId],
      ["rest", 200, fixture.endpointId, fixture.keyId, fixture.teamId],
    ]);
    expect(rows.every((r) => r.latencyMs >= 0)).toBe(true);
    const refusals = await harness.db.apiRequest.count({
      where: { teamId: fixture.teamId, status: 400, runId: null, endpointId: fixture.endpointId },
    });
    expect(refusals).toBeGreaterThanOrEqual(1);
  });
});
