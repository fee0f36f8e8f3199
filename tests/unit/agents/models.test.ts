import { describe, expect, it } from "vitest";
import { AgentCancelledError, AgentGenerationError } from "~/agents/errors";
import { cutAtStop, drainStream, normaliseMessages } from "~/agents/models/model";
import { ReplayModel } from "~/agents/models/replay-model";
import { isRetryable, retryAfterMs, withRetries } from "~/agents/models/retry";

const httpError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${status}`), { status, headers: new Headers(headers) });

describe("retry policy", () => {
  it("reads Retry-After as seconds, as an HTTP date, and retry-after-ms", () => {
    expect(retryAfterMs(httpError(429, { "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(httpError(429, { "retry-after-ms": "150" }))).toBe(150);
    const inFive = new Date(Date.now() + 5_000).toUTCString();
    expect(retryAfterMs(httpError(503, { "retry-after": inFive }))).toBeGreaterThan(3_000);
    expect(retryAfterMs(httpError(503))).toBeUndefined();
  });

  it("retries rate limits, server errors and timeouts, not client errors", () => {
    expect([429, 500, 502, 503, 408].map((s) => isRetryable(httpError(s)))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([400, 401, 403, 404, 422].map((s) => isRetryable(httpError(s)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("stops retrying when cancelled during the backoff", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const attempt = () => Promise.reject(httpError(503, { "retry-after": "10" }));
    await expect(
      withRetries(
        attempt,
        { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 60_000 },
        { signal: controller.signal, provider: "t" },
      ),
    ).rejects.toBeInstanceOf(AgentCancelledError);
  });

  it("caps the delay and surfaces the last error as a generation error", async () => {
    const delays: number[] = [];
    const attempt = () => Promise.reject(httpError(503, { "retry-after": "3600" }));
    const error = await withRetries(
      attempt,
      { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
      {
        provider: "t",
        onRetry: (info) => delays.push(info.delayMs),
      },
    ).catch((e) => e);
    expect(delays).toEqual([5, 5]);
    expect(error).toBeInstanceOf(AgentGenerationError);
    expect(error.status).toBe(503);
  });
});

describe("ReplayModel", () => {
  it("plays items in order, applies stop sequences, streams the same text and estimates tokens", async () => {
    const model = new ReplayModel([
      "Thought\n<code>\nx = 1\n</code>\nObservation: made up",
      { content: "c", tool_calls: [{ name: "t", arguments: { a: 1 } }] },
    ]);
    const user = [{ role: "user" as const, content: "x".repeat(400) }];
    const first = await drainStream(
      model.generateStream(user, { stopSequences: ["</code>", "Observation:"] }),
    );
    expect(first.content).toBe("Thought\n<code>\nx = 1\n");
    expect(first.tokenUsage.inputTokens).toBe(104);
    const second = await model.generate(user);
    expect(second.toolCalls).toEqual([{ id: "call_1_0", name: "t", arguments: { a: 1 } }]);
    expect(model.callCount).toBe(2);
  });
});

describe("message helpers", () => {
  it("merges consecutive same-role messages and drops empty ones", () => {
    expect(
      normaliseMessages([
        { role: "system", content: "s" },
        { role: "user", content: "a" },
        { role: "user", content: "" },
        { role: "user", content: [{ type: "image", image: "data:x" }] },
        { role: "assistant", content: "b" },
      ]),
    ).toEqual([
      { role: "system", content: "s" },
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "image", image: "data:x" },
        ],
      },
      { role: "assistant", content: "b" },
    ]);
    expect(cutAtStop("abc STOP def END", ["END", "STOP"])).toBe("abc ");
  });
});
