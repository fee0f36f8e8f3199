import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "~/server/auth/password";

describe("password hashing", () => {
  it("salts every hash and verifies only the right password", async () => {
    const first = await hashPassword("correct horse battery");
    const second = await hashPassword("correct horse battery");
    expect(first).not.toBe(second);
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(await verifyPassword("correct horse battery", first)).toBe(true);
    expect(await verifyPassword("correct horse battery", second)).toBe(true);
    expect(await verifyPassword("correct horse batterY", first)).toBe(false);
    expect(await verifyPassword("", first)).toBe(false);
  });

  it("treats Unicode forms of the same password alike", async () => {
    const hash = await hashPassword("caf\u00e9 au lait");
    expect(await verifyPassword("cafe\u0301 au lait", hash)).toBe(true);
  });

  it.each([
    "",
    "plain",
    "bcrypt$10$abc$def",
    "scrypt$0$8$1$AAAA$BBBB",
    "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$tooshort",
    "scrypt$abc$8$1$AAAA$BBBB",
  ])("never matches a malformed stored hash %j", async (stored) => {
    expect(await verifyPassword("anything", stored)).toBe(false);
  });
});
