import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, expectCode, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * The secret router: admins manage a team's secrets, editors see their names, nobody gets a value
 * back, and the column that stores a value holds only ciphertext (read raw with SQL).
 */
const database = await createTestDatabase("secretrouter");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  SECRETS_KEY: randomBytes(32).toString("hex"),
  HF_TOKEN: "hf-installation-value",
});
delete process.env.OPENAI_API_KEY;
const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;
let owner: Person;
let editor: Person;
let viewer: Person;
let stranger: Person;
const value = `sk-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  await startDatabase();
  owner = await person("Olga", "olga@example.com");
  editor = await person("Ed", "ed@example.com");
  viewer = await person("Vi", "vi@example.com");
  stranger = await person("Stan", "stan@example.com");
  await db.membership.create({ data: { teamId: owner.teamId, userId: editor.userId, role: "editor" } });
  await db.membership.create({ data: { teamId: owner.teamId, userId: viewer.userId, role: "viewer" } });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

async function rawSecretRows(): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(`SELECT * FROM "TeamSecret" ORDER BY name`)).rows;
  } finally {
    await client.end();
  }
}

describe("secret router", () => {
  it("creates a secret whose stored column holds only ciphertext, and never answers with the value", async () => {
    const created = await owner.caller.secret.create({
      teamId: owner.teamId,
      name: "OPENAI_API_KEY",
      value: `  ${value}\n`,
      allowedHost: "API.OpenAI.com",
      description: "Our OpenAI key",
    });
    expect(created).toMatchObject({
      name: "OPENAI_API_KEY",
      allowedHost: "api.openai.com",
      description: "Our OpenAI key",
      lastUsedAt: null,
      createdBy: { name: "Olga", email: "olga@example.com" },
    });
    expect(JSON.stringify(created)).not.toContain(value);

    const [row] = await rawSecretRows();
    expect(JSON.stringify(row)).not.toContain(value);
    expect(Buffer.from(String(row!.encryptedValue), "base64url").toString("latin1")).not.toContain(value);
    expect(row!.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("lists names, hosts and descriptions to editors, with the installation's keys; never values", async () => {
    const listed = await editor.caller.secret.list({ teamId: owner.teamId });
    expect(listed.secrets.map((secret) => secret.name)).toEqual(["OPENAI_API_KEY"]);
    expect(listed.installation).toEqual([
      { name: "HF_TOKEN", origins: ["https://huggingface.co", "https://router.huggingface.co"] },
    ]);
    expect(listed.canManage).toBe(false);
    expect((await owner.caller.secret.list({ teamId: owner.teamId })).canManage).toBe(true);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(value);
    expect(text).not.toContain("hf-installation-value");
    expect(text).not.toContain("encryptedValue");
  });

  it("refuses editors every change, viewers the list, and other teams everything; the row stays as it was", async () => {
    const before = await rawSecretRows();
    const teamId = owner.teamId;
    await expectCode(
      editor.caller.secret.create({ teamId, name: "NEW_KEY", value: "x".repeat(20) }),
      "FORBIDDEN",
    );
    await expectCode(
      editor.caller.secret.replaceValue({ teamId, name: "OPENAI_API_KEY", value: "stolen" }),
      "FORBIDDEN",
    );
    await expectCode(
      editor.caller.secret.update({ teamId, name: "OPENAI_API_KEY", allowedHost: null }),
      "FORBIDDEN",
    );
    await expectCode(editor.caller.secret.delete({ teamId, name: "OPENAI_API_KEY" }), "FORBIDDEN");
    await expectCode(viewer.caller.secret.list({ teamId }), "FORBIDDEN");
    await expectCode(stranger.caller.secret.list({ teamId }), "NOT_FOUND");
    await expectCode(stranger.caller.secret.delete({ teamId, name: "OPENAI_API_KEY" }), "NOT_FOUND");
    expect(await rawSecretRows()).toEqual(before);
  });

  it("answers bad input with a precise error and changes nothing", async () => {
    const before = await rawSecretRows();
    const teamId = owner.teamId;
    const badName = await rejection(
      owner.caller.secret.create({ teamId, name: "lower-case", value: "v".repeat(10) }),
    );
    expect(badName.code).toBe("BAD_REQUEST");
    expect(badName.message).toContain("Secret names are UPPER_SNAKE_CASE (A-Z, 0-9, _).");
    const badHost = await rejection(
      owner.caller.secret.create({
        teamId,
        name: "OTHER",
        value: "v".repeat(10),
        allowedHost: "https://x.com/v1",
      }),
    );
    expect(badHost.message).toContain("The allowed host is a host name or address with an optional port");
    const empty = await rejection(
      owner.caller.secret.replaceValue({ teamId, name: "OPENAI_API_KEY", value: "   " }),
    );
    expect(empty.message).toContain("The value is empty.");
    const duplicate = await rejection(
      owner.caller.secret.create({ teamId, name: "OPENAI_API_KEY", value: "another value" }),
    );
    expect(duplicate.code).toBe("CONFLICT");
    expect(duplicate.message).toBe(
      "This team already has a secret named OPENAI_API_KEY: replace its value instead.",
    );
    const missing = await rejection(owner.caller.secret.delete({ teamId, name: "NO_SUCH" }));
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.message).toBe("This team has no secret named NO_SUCH.");
    expect(await rawSecretRows()).toEqual(before);
  });

  it("stores a NUL in a description as U+FFFD and refuses one in a value in words", async () => {
    const teamId = owner.teamId;
    const created = await owner.caller.secret.create({
      teamId,
      name: "NUL_DESCRIBED",
      value: "a plain value",
      description: "Has a\u0000NUL",
    });
    expect(created.description).toBe("Has a\uFFFDNUL");
    await owner.caller.secret.update({ teamId, name: "NUL_DESCRIBED", description: "Still\u0000here" });
    const listed = await owner.caller.secret.list({ teamId });
    expect(listed.secrets.find((secret) => secret.name === "NUL_DESCRIBED")?.description).toBe(
      "Still\uFFFDhere",
    );
    const refused = await rejection(
      owner.caller.secret.create({ teamId, name: "NUL_VALUE", value: "a value with a\u0000NUL" }),
    );
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toContain("The value contains a NUL character.");
    await owner.caller.secret.delete({ teamId, name: "NUL_DESCRIBED" });
  });

  it("replaces a value (new ciphertext), edits metadata, and deletes", async () => {
    const teamId = owner.teamId;
    const [before] = await rawSecretRows();
    const replaced = await owner.caller.secret.replaceValue({
      teamId,
      name: "OPENAI_API_KEY",
      value: "sk-new-value",
    });
    expect(JSON.stringify(replaced)).not.toContain("sk-new-value");
    const [after] = await rawSecretRows();
    expect(after!.encryptedValue).not.toBe(before!.encryptedValue);
    expect(JSON.stringify(after)).not.toContain("sk-new-value");

    const edited = await owner.caller.secret.update({
      teamId,
      name: "OPENAI_API_KEY",
      allowedHost: "",
      description: "Rotated",
    });
    expect(edited).toMatchObject({ allowedHost: null, description: "Rotated" });
    expect((await rawSecretRows())[0]!.encryptedValue).toBe(after!.encryptedValue);

    expect(await owner.caller.secret.delete({ teamId, name: "OPENAI_API_KEY" })).toEqual({
      name: "OPENAI_API_KEY",
    });
    expect(await rawSecretRows()).toEqual([]);
  });
});
