import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import {
  formatSseMessage,
  parseLastEventId,
  resumeAfterSeq,
  runEventsSseResponse,
  sseResponse,
} from "~/server/publish/sse";

/** The Server-Sent Events writer: wire format, heartbeats, end message, stop on disconnect, resume cursor. */

function event(seq: number, type: RunEvent["type"] = "step_started"): RunEvent {
  return { type, runId: "r1", agentPath: ["a"], seq, ts: 1, stepNumber: 1 } as RunEvent;
}

async function readAll(response: Response): Promise<string> {
  return await response.text();
}

describe("the SSE writer", () => {
  it("writes id, event and one data line per line of a string payload", () => {
    expect(formatSseMessage({ id: 3, event: "x", data: { a: 1 } })).toBe(
      'id: 3\nevent: x\ndata: {"a":1}\n\n',
    );
    expect(formatSseMessage({ data: "one\ntwo" })).toBe("data: one\ndata: two\n\n");
    expect(formatSseMessage({ event: "a\nb", data: "" })).toBe("event: ab\ndata: \n\n");
  });

  it("streams a run's events with id = seq and ends with the result", async () => {
    const response = runEventsSseResponse({
      follow: async function* () {
        yield event(0);
        yield event(1, "run_finished");
      },
      result: async () => ({ status: "succeeded" }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await readAll(response)).toBe(
      `id: 0\nevent: step_started\ndata: ${JSON.stringify(event(0))}\n\n` +
        `id: 1\nevent: run_finished\ndata: ${JSON.stringify(event(1, "run_finished"))}\n\n` +
        `event: end\ndata: {"status":"succeeded"}\n\n`,
    );
  });

  it("sends heartbeat comments while the producer is silent", async () => {
    const response = sseResponse(
      async function* () {
        await new Promise((resolve) => setTimeout(resolve, 120));
        yield { event: "done", data: 1 };
      },
      { heartbeatMs: 30 },
    );
    const text = await readAll(response);
    expect(text.match(/: keep-alive\n\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(text.endsWith("event: done\ndata: 1\n\n")).toBe(true);
  });

  it("aborts the producer when the client goes away", async () => {
    const client = new AbortController();
    let producerSignal: AbortSignal | undefined;
    const response = sseResponse(
      async function* (signal) {
        producerSignal = signal;
        yield { data: "first" };
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
      },
      { signal: client.signal },
    );
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
    client.abort();
    expect(producerSignal?.aborted).toBe(true);
    expect((await reader.read()).done).toBe(true);
  });

  it("resumes after Last-Event-ID, else after ?after=, else from the start; refuses malformed cursors", () => {
    const url = "http://x/api/v1/runs/r/events";
    expect(resumeAfterSeq(new Request(url))).toBe(-1);
    expect(resumeAfterSeq(new Request(`${url}?after=4`))).toBe(4);
    expect(resumeAfterSeq(new Request(`${url}?after=4`, { headers: { "last-event-id": "7" } }))).toBe(7);
    expect(parseLastEventId(null)).toBeUndefined();
    expect(() => parseLastEventId("seven")).toThrow(/Last-Event-ID/);
    expect(() => resumeAfterSeq(new Request(`${url}?after=-5`))).toThrow(/"after"/);
  });
});
