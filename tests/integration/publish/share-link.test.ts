import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEvent } from "~/lib/chat-events";
import {
  type ApiHarness,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";

/**
 * The public share link over real HTTP (the v1 route handlers served as Next serves them, the worker
 * in the process): off by default and 404 then; a message starts a "share" run and its answer streams
 * as Server-Sent Events of the chat's view (step summaries, the answer, the end); the next message
 * continues the previous run's memory; another endpoint's run cannot be continued; past the link's
 * messages per minute per address the answer is 429 with Retry-After; each message is recorded as a
 * "share" call for the usage charts.
 */
const database = await prepareApiEnvironment("share_link");
const { setEndpointSharing, unpublishEndpoint } = await import("~/server/publish/endpoints");
const { memorySnapshotSchema } = await import("~/agents/memory-snapshot");

let harness: ApiHarness;
let fixture: PublishedFixture;
let other: PublishedFixture;
let token: string;

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "share@example.com",
    slug: "helper",
    document: replayWorkflow("The answer is 42.", { latencyMs: 20 }),
  });
  other = await publishFixture(harness.db, {
    email: "other@example.com",
    slug: "other",
    document: replayWorkflow("Something else."),
  });
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

async function enable(endpoint: PublishedFixture, ratePerMinute = 100): Promise<string> {
  const updated = await setEndpointSharing(harness.db, {
    teamId: endpoint.teamId,
    endpointId: endpoint.endpointId,
    enabled: true,
    ratePerMinute,
  });
  return updated.shareToken!;
}

const send = (linkToken: string, body: unknown) =>
  fetch(`${harness.base}/api/v1/share/${linkToken}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** Read a share run's SSE stream to its end: the parsed events, with their ids and names. */
async function readStream(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.base}${url}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() && !block.startsWith(":"))
    .map((block) => {
      const fields = Object.fromEntries(
        block
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
      );
      return {
        id: fields.id === undefined ? undefined : Number(fields.id),
        event: fields.event,
        data: JSON.parse(fields.data!) as ChatEvent,
      };
    });
}

async function ask(linkToken: string, body: { task: string; previous_run_id?: string }) {
  const response = await send(linkToken, body);
  expect(response.status).toBe(202);
  const started = (await response.json()) as { run_id: string; events_url: string };
  const events = await readStream(started.events_url);
  return { ...started, events };
}

describe("the share link", () => {
  it("is off by default: 404 for the link, its messages and its streams, as for an unknown one", async () => {
    const endpoint = await harness.db.endpoint.findUniqueOrThrow({ where: { id: fixture.endpointId } });
    expect(endpoint.shareEnabled).toBe(false);
    for (const unknown of ["AAAAAAAAAAAAAAAAAAAAAAAA", "not a token", "x"]) {
      const response = await send(encodeURIComponent(unknown), { task: "Hello" });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: {
          code: "share_link_not_found",
          message: "This chat link does not exist or has been turned off.",
        },
      });
    }
    const events = await fetch(`${harness.base}/api/v1/share/AAAAAAAAAAAAAAAAAAAAAAAA/runs/r1/events`);
    expect(events.status).toBe(404);
    expect(await harness.db.run.count({ where: { source: "share" } })).toBe(0);
  });

  it("answers a message: a share run, its steps and answer streamed, then the end", async () => {
    token = await enable(fixture);
    const { run_id, events } = await ask(token, { task: "What is the answer?" });
    expect(events.map((event) => event.event)).toEqual(["step", "answer", "end"]);
    expect(events[0]!.data).toMatchObject({
      type: "step",
      step: {
        agentPath: ["helper"],
        kind: "step",
        stepNumber: 1,
        thought: "I know this.",
        tools: ["final_answer"],
      },
    });
    expect(events[1]!.data).toMatchObject({ type: "answer", output: "The answer is 42." });
    expect(events[2]).toEqual({
      id: undefined,
      event: "end",
      data: { type: "end", status: "succeeded", output: "The answer is 42." },
    });
    // Only the chat's view leaves the server: no spec, no observations, no task echo.
    expect(JSON.stringify(events)).not.toMatch(/spec|observation|replay/);
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: run_id } });
    expect(run).toMatchObject({
      source: "share",
      endpointId: fixture.endpointId,
      apiKeyId: null,
      workflowVersionId: fixture.versionId,
      status: "succeeded",
    });
    const calls = await harness.db.apiRequest.findMany({ where: { runId: run_id } });
    expect(calls).toMatchObject([{ surface: "share", status: 202, endpointId: fixture.endpointId }]);

    // A reader that reconnects with Last-Event-ID gets only what came after.
    const resumed = await readStream(`/api/v1/share/${token}/runs/${run_id}/events`, {
      "last-event-id": String(events[0]!.id),
    });
    expect(resumed.map((event) => event.event)).toEqual(["answer", "end"]);
  });

  it("chains turns: each message continues the previous run's memory", async () => {
    const first = await ask(token, { task: "My name is Ada." });
    const second = await ask(token, { task: "What is my name?", previous_run_id: first.run_id });
    const third = await ask(token, { task: "And again?", previous_run_id: second.run_id });
    const run = await harness.db.run.findUniqueOrThrow({ where: { id: third.run_id } });
    expect(run.previousRunId).toBe(second.run_id);
    const memory = memorySnapshotSchema.parse(run.memory);
    expect(memory.steps.filter((step) => step.type === "task").map((step) => step.task)).toEqual([
      "My name is Ada.",
      "What is my name?",
      "And again?",
    ]);
  });

  it("refuses to continue a run that is not this link's", async () => {
    const otherToken = await enable(other);
    const theirs = await ask(otherToken, { task: "Hi" });
    const response = await send(token, { task: "Continue", previous_run_id: theirs.run_id });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: "run_not_found", param: "previous_run_id" },
    });
    // Nor can another link's stream be read through this link.
    const stream = await fetch(`${harness.base}/api/v1/share/${token}/runs/${theirs.run_id}/events`);
    expect(stream.status).toBe(404);
    // An API run of the same endpoint is not a chat message either.
    const apiRun = await harness.db.run.findFirstOrThrow({ where: { endpointId: fixture.endpointId } });
    await harness.db.run.update({ where: { id: apiRun.id }, data: { source: "api" } });
    expect((await send(token, { task: "Go on", previous_run_id: apiRun.id })).status).toBe(404);
  });

  it("names the field of a bad message", async () => {
    const response = await send(token, { task: "", extra: 1 });
    expect(response.status).toBe(400);
    const unknown = await send(token, { task: "Hi", previousRunId: "x" });
    expect(await unknown.json()).toMatchObject({
      error: { code: "invalid_request", param: "previousRunId" },
    });
    const empty = await send(token, { task: "   " });
    expect(await empty.json()).toMatchObject({
      error: { param: "task", message: '"task": Give the agent a task.' },
    });
  });

  it("limits messages per minute per address: 429 with Retry-After", async () => {
    const limited = await enable(
      await publishFixture(harness.db, {
        email: "limited@example.com",
        slug: "limited",
        document: replayWorkflow("ok"),
      }),
      2,
    );
    expect((await send(limited, { task: "one" })).status).toBe(202);
    expect((await send(limited, { task: "two" })).status).toBe(202);
    const third = await send(limited, { task: "three" });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await third.json()).toMatchObject({ error: { code: "rate_limited" } });
    const endpoint = await harness.db.endpoint.findFirstOrThrow({ where: { shareToken: limited } });
    const statuses = await harness.db.apiRequest.findMany({
      where: { endpointId: endpoint.id },
      select: { status: true, surface: true },
      orderBy: { createdAt: "asc" },
    });
    expect(statuses).toEqual([
      { status: 202, surface: "share" },
      { status: 202, surface: "share" },
      { status: 429, surface: "share" },
    ]);
  });

  it("stops answering when the link is turned off or the endpoint unpublished", async () => {
    const { run_id } = await ask(token, { task: "Still there?" });
    await setEndpointSharing(harness.db, {
      teamId: fixture.teamId,
      endpointId: fixture.endpointId,
      enabled: false,
    });
    expect((await send(token, { task: "Hello?" })).status).toBe(404);
    expect((await fetch(`${harness.base}/api/v1/share/${token}/runs/${run_id}/events`)).status).toBe(404);
    // Turned on again: a new link; the old one stays dead.
    const fresh = await enable(fixture);
    expect(fresh).not.toBe(token);
    expect((await send(token, { task: "Hello?" })).status).toBe(404);
    await unpublishEndpoint(harness.db, {
      teamId: fixture.teamId,
      endpointId: fixture.endpointId,
      actorId: null,
    });
    expect((await send(fresh, { task: "Hello?" })).status).toBe(404);
  });
});
