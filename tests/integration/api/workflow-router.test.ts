import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, expectCode } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * The workflow and team routers through `createCaller`, against a real Postgres database, as members of
 * two different teams: nobody reads or changes another team's workflow, and roles are enforced.
 */
const database = await createTestDatabase("router");
process.env.DATABASE_URL = database.url;
const { db, startDatabase } = await import("~/server/db");
const { callerFor, person } = await apiPeople();
type Person = Awaited<ReturnType<typeof person>>;

let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
  bob = await person("Bob", "bob@example.com");
  carol = await person("Carol", "carol@example.com");
  await db.membership.create({ data: { teamId: alice.teamId, userId: carol.userId, role: "viewer" } });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe("workflow router", () => {
  it("creates, lists, gets, renames and deletes in the caller's own team", async () => {
    const created = await alice.caller.workflow.create({ teamId: alice.teamId, name: "  Research crew  " });
    expect(created.name).toBe("Research crew");
    const listed = await alice.caller.workflow.list({ teamId: alice.teamId });
    expect(listed.items.map((workflow) => workflow.id)).toContain(created.id);

    const fetched = await alice.caller.workflow.get({ workflowId: created.id });
    expect(fetched.teamId).toBe(alice.teamId);
    expect(fetched.role).toBe("owner");
    expect(fetched.graph).toMatchObject({ version: expect.any(Number), nodes: [], edges: [] });

    const renamed = await alice.caller.workflow.rename({ workflowId: created.id, name: "Market crew" });
    expect(renamed.name).toBe("Market crew");
    expect((await db.workflow.findUniqueOrThrow({ where: { id: created.id } })).name).toBe("Market crew");

    await alice.caller.workflow.delete({ workflowId: created.id });
    expect(await db.workflow.findUnique({ where: { id: created.id } })).toBeNull();
    await expectCode(alice.caller.workflow.get({ workflowId: created.id }), "NOT_FOUND");
  });

  it("answers NOT_FOUND for another team's workflow and changes nothing", async () => {
    const secret = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Alice's secret plan" });
    const before = await db.workflow.findUniqueOrThrow({ where: { id: secret.id } });

    await expectCode(bob.caller.workflow.get({ workflowId: secret.id }), "NOT_FOUND");
    await expectCode(bob.caller.workflow.rename({ workflowId: secret.id, name: "Bob's now" }), "NOT_FOUND");
    await expectCode(bob.caller.workflow.delete({ workflowId: secret.id }), "NOT_FOUND");
    await expectCode(bob.caller.workflow.list({ teamId: alice.teamId }), "NOT_FOUND");
    await expectCode(bob.caller.workflow.create({ teamId: alice.teamId, name: "Planted" }), "NOT_FOUND");

    const after = await db.workflow.findUniqueOrThrow({ where: { id: secret.id } });
    expect(after).toEqual(before);
    expect(await db.workflow.count({ where: { teamId: alice.teamId, name: "Planted" } })).toBe(0);
    const bobs = await bob.caller.workflow.list({ teamId: bob.teamId });
    expect(bobs.items.map((workflow) => workflow.id)).not.toContain(secret.id);
  });

  it("gives an unknown id the same NOT_FOUND as a foreign one", async () => {
    await expectCode(bob.caller.workflow.get({ workflowId: "does-not-exist" }), "NOT_FOUND");
  });

  it("lets a viewer read but not create, rename or delete", async () => {
    const workflow = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Shared" });
    expect((await carol.caller.workflow.list({ teamId: alice.teamId })).items.map((w) => w.id)).toContain(
      workflow.id,
    );
    expect((await carol.caller.workflow.get({ workflowId: workflow.id })).role).toBe("viewer");

    const count = await db.workflow.count({ where: { teamId: alice.teamId } });
    await expectCode(
      carol.caller.workflow.create({ teamId: alice.teamId, name: "By a viewer" }),
      "FORBIDDEN",
    );
    await expectCode(
      carol.caller.workflow.rename({ workflowId: workflow.id, name: "Viewer was here" }),
      "FORBIDDEN",
    );
    await expectCode(carol.caller.workflow.delete({ workflowId: workflow.id }), "FORBIDDEN");
    expect(await db.workflow.count({ where: { teamId: alice.teamId } })).toBe(count);
    expect((await db.workflow.findUniqueOrThrow({ where: { id: workflow.id } })).name).toBe("Shared");
  });

  it("takes access away at once when a membership is removed", async () => {
    const dave = await person("Dave", "dave@example.com");
    await db.membership.create({ data: { teamId: alice.teamId, userId: dave.userId, role: "editor" } });
    const workflow = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Team work" });
    await dave.caller.workflow.rename({ workflowId: workflow.id, name: "Team work v2" });

    await db.membership.delete({ where: { teamId_userId: { teamId: alice.teamId, userId: dave.userId } } });
    await expectCode(dave.caller.workflow.get({ workflowId: workflow.id }), "NOT_FOUND");
    await expectCode(dave.caller.workflow.rename({ workflowId: workflow.id, name: "Too late" }), "NOT_FOUND");
    expect((await db.workflow.findUniqueOrThrow({ where: { id: workflow.id } })).name).toBe("Team work v2");
  });

  it("rejects empty and over-long names with BAD_REQUEST", async () => {
    const workflow = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Valid" });
    await expectCode(alice.caller.workflow.create({ teamId: alice.teamId, name: "" }), "BAD_REQUEST");
    await expectCode(alice.caller.workflow.create({ teamId: alice.teamId, name: "    " }), "BAD_REQUEST");
    await expectCode(
      alice.caller.workflow.create({ teamId: alice.teamId, name: "x".repeat(101) }),
      "BAD_REQUEST",
    );
    await expectCode(alice.caller.workflow.rename({ workflowId: workflow.id, name: " " }), "BAD_REQUEST");
    const hundred = "y".repeat(100);
    expect((await alice.caller.workflow.rename({ workflowId: workflow.id, name: hundred })).name).toBe(
      hundred,
    );
  });

  it("refuses callers without a session", async () => {
    const anonymous = callerFor(null);
    await expectCode(anonymous.workflow.list({ teamId: alice.teamId }), "UNAUTHORIZED");
    await expectCode(anonymous.user.me(), "UNAUTHORIZED");
  });
});

describe("team and user routers", () => {
  it("lists my teams with roles, personal team first, and the current team", async () => {
    const teams = await carol.caller.team.list();
    expect(teams.map((team) => [team.id, team.role])).toEqual([
      [carol.teamId, "owner"],
      [alice.teamId, "viewer"],
    ]);
    expect((await carol.caller.team.current())?.id).toBe(carol.teamId);
    expect((await carol.caller.team.current({ preferredTeamId: alice.teamId }))?.id).toBe(alice.teamId);
    expect((await bob.caller.team.current({ preferredTeamId: alice.teamId }))?.id).toBe(bob.teamId);
  });

  it("shows members only to members", async () => {
    const members = await carol.caller.team.members({ teamId: alice.teamId });
    expect(members.map((member) => [member.email, member.role])).toEqual(
      expect.arrayContaining([
        ["alice@example.com", "owner"],
        ["carol@example.com", "viewer"],
      ]),
    );
    await expectCode(bob.caller.team.members({ teamId: alice.teamId }), "NOT_FOUND");
  });

  it("returns me without secrets and bumps the session version on sign out everywhere", async () => {
    const me = await bob.caller.user.me();
    expect(me).toMatchObject({ id: bob.userId, email: "bob@example.com" });
    expect(me).not.toHaveProperty("passwordHash");
    const before = await db.user.findUniqueOrThrow({ where: { id: bob.userId } });
    await bob.caller.user.signOutEverywhere();
    const after = await db.user.findUniqueOrThrow({ where: { id: bob.userId } });
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
  });
});
