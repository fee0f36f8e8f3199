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
});
