import { describe, expect, it } from "vitest";
import { jsonForPostgres } from "~/server/runs/run-store";

describe("jsonForPostgres", () => {
  it("replaces NUL characters, which jsonb refuses, with U+FFFD wherever they are", () => {
    const text = jsonForPostgres({ observation: "a\u0000b", nested: ["\u0000"], "key\u0000": 1 });
    expect(text).not.toContain("\\u0000");
    expect(JSON.parse(text)).toEqual({ observation: "a\ufffdb", nested: ["\ufffd"], "key\ufffd": 1 });
  });

  it("leaves the text backslash-u0000 alone, however many backslashes come before it", () => {
    const value = { one: "\\u0000", two: "\\\\u0000", nul: "\\\u0000" };
    expect(JSON.parse(jsonForPostgres(value))).toEqual({ one: "\\u0000", two: "\\\\u0000", nul: "\\\ufffd" });
  });

  it("is JSON.stringify for everything else", () => {
    const value = { a: [1, 2.5, null, true], b: "é ✓ \n \t \u0001", c: { d: "" } };
    expect(jsonForPostgres(value)).toBe(JSON.stringify(value));
  });
});
