import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import {
  type ApiHarness,
  type PublishedFixture,
  prepareApiEnvironment,
  publishFixture,
  replayWorkflow,
  startApiHarness,
} from "../../helpers/api-harness";

/**
 * The run feed that the HTTP API reads: a run started through an endpoint is a normal run (queued,
 * worked by the worker, events stored), and a reader that follows it gets every stored event once, in
 * order, woken as they are stored, and stops when the run has ended; one that resumes after a sequence
 * number gets only the rest.
 */
const database = await prepareApiEnvironment("feed");
const { followRun, waitForRunEnd } = await import("~/server/realtime/run-feed");
const { startEndpointRun, runResult } = await import("~/server/publish/endpoint-runs");

let harness: ApiHarness;
let fixture: PublishedFixture;

beforeAll(async () => {
  harness = await startApiHarness();
  fixture = await publishFixture(harness.db, {
    email: "feed@example.com",
    slug: "answers",
    document: replayWorkflow("forty-two", { latencyMs: 50 }),
  });
});

afterAll(async () => {
  await harness?.stop();
  await database.drop();
});

async function startRun() {
  const endpoint = await harness.db.endpoint.findUniqueOrThrow({
    where: { id: fixture.endpointId },
    include: { team: { select: { id: true, slug: true } } },
  });
  return startEndpointRun(harness.db, {
    endpoint: { ...endpoint, workflowVersionId: endpoint.workflowVersionId! },
    input: { task: "What is the answer?" },
    source: "api",
  });
}

describe("the run feed", () => {
  it("follows an endpoint's run live from its first event to its end, each event once and in order", async () => {
    const { runId } = await startRun();
    const seen: RunEvent[] = [];
    for await (const event of followRun(harness.db, runId, { pollMs: 60_000 })) seen.push(event);
    const stored = await harness.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(stored.status).toBe("succeeded");
    expect(stored.source).toBe("api");
    expect(stored.endpointId).toBe(fixture.endpointId);
    expect(seen.map((event) => event.seq)).toEqual(Array.from({ length: stored.lastSeq + 1 }, (_, i) => i));
    expect(seen.at(-1)?.type).toBe("run_finished");
    const result = await runResult(harness.db, runId);
    expect(result).toMatchObject({ status: "succeeded", output: "forty-two", endpoint: "answers" });
  });

  it("resumes after a sequence number with exactly the rest", async () => {
    const { runId } = await startRun();
    expect(await waitForRunEnd(harness.db, runId, 30_000)).toBe(true);
    const all: number[] = [];
    for await (const event of followRun(harness.db, runId)) all.push(event.seq);
    const rest: number[] = [];
    for await (const event of followRun(harness.db, runId, { afterSeq: 2 })) rest.push(event.seq);
    expect(rest).toEqual(all.filter((seq) => seq > 2));
  });

  it("gives up waiting at the deadline while a run is still going", async () => {
    const endpoint = await harness.db.endpoint.findUniqueOrThrow({ where: { id: fixture.endpointId } });
    const run = await harness.db.run.create({
      data: {
        teamId: fixture.teamId,
        spec: {},
        task: "never worked",
        endpointId: endpoint.id,
        status: "running",
      },
    });
    const started = Date.now();
    expect(await waitForRunEnd(harness.db, run.id, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
