import { describe, expect, it } from "vitest";
import { databaseErrorMessage, jsonForPostgres } from "~/server/runs/run-store";

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

describe("databaseErrorMessage", () => {
  it("keeps what the database said and drops Prisma's framing", () => {
    const error = new Error(
      '\nInvalid `prisma.$executeRaw()` invocation:\n\n\nRaw query failed. Code: `23503`. Message: `insert or update on table "RunEvent" violates foreign key constraint`',
    );
    expect(databaseErrorMessage(error)).toBe(
      'insert or update on table "RunEvent" violates foreign key constraint',
    );
  });

  it("falls back to the last line, where Prisma puts the cause", () => {
    const error = new Error(
      "\nInvalid `prisma.run.update()` invocation:\n\n\nCan't reach database server at 127.0.0.1:5432\n",
    );
    expect(databaseErrorMessage(error)).toBe("Can't reach database server at 127.0.0.1:5432");
    expect(databaseErrorMessage("plain")).toBe("plain");
  });
});
