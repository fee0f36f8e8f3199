import { describe, expect, it } from "vitest";
import { SecretRedactor } from "~/server/secrets/redactor";

describe("SecretRedactor", () => {
  it("scrubs every value a run resolved from nested event fields, leaving other objects untouched", async () => {
    const redactor = new SecretRedactor();
    const resolve = redactor.watch(async (name) =>
      name === "API_KEY" ? { value: "sk-abc123-long" } : name === "INNER" ? { value: "abc123" } : undefined,
    );
    await resolve("API_KEY");
    await resolve("INNER");
    expect(await resolve("MISSING")).toBeUndefined();
    const event = {
      type: "observation",
      text: "got sk-abc123-long and abc123",
      nested: [{ header: "Bearer sk-abc123-long" }, 42, null],
    };
    expect(redactor.value(event)).toEqual({
      type: "observation",
      text: "got [secret API_KEY] and [secret INNER]",
      nested: [{ header: "Bearer [secret API_KEY]" }, 42, null],
    });
    const clean = { type: "step", text: "nothing here", at: new Date(0) };
    expect(redactor.value(clean)).toBe(clean);
  });

  it("scrubs error messages and stacks for the logs", () => {
    const redactor = new SecretRedactor();
    redactor.add("TOKEN", "tok_secret_value");
    const scrubbed = redactor.error(new Error("401: Incorrect API key provided: tok_secret_value")) as Error;
    expect(scrubbed.message).toBe("401: Incorrect API key provided: [secret TOKEN]");
    expect(scrubbed.stack).not.toContain("tok_secret_value");
  });

  it("scrubs a value split across streamed model deltas, holding back only what could begin it", () => {
    const redactor = new SecretRedactor();
    redactor.add("KEY", "sk-0123456789");
    const delta = (text: string, stepNumber = 1) => ({
      type: "model_delta",
      runId: "r",
      agentPath: ["agent"],
      seq: 0,
      ts: 0,
      stepNumber,
      text,
    });
    const pieces = ["Your key is s", "k-01234", "56789, see", "?"].map(
      (text) => redactor.event(delta(text)).text,
    );
    expect(pieces).toEqual(["Your key is ", "", "[secret KEY], see", "?"]);
    // Another step's stream is its own: nothing held for step 1 leaks into it.
    expect(redactor.event(delta("sk-01", 2)).text).toBe("");
    const output = redactor.event({
      type: "model_output",
      agentPath: ["agent"],
      stepNumber: 2,
      content: "sk-0123456789",
    });
    expect(output.content).toBe("[secret KEY]");
    expect(redactor.event(delta("plain", 2)).text).toBe("plain");
  });
});
