import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, expectCode, rejection } from "../api/api-people";
import { createTestDatabase } from "../api/test-database";

/**
 * The publish gate: a team names a test set and a pass rate; a saved version starts serving (publish,
 * move, re-publish) only with a finished evaluation of that version on that set at or above the rate.
 * Refusals say which version, which set and what is missing, and change nothing stored. Evaluations are
 * rows made here as the evaluation service would leave them.
 */
const database = await createTestDatabase("publishgate");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { assertPublishGate, PublishGateError } = await import("~/server/publish/publish-gate");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;
let admin: Person;
let editor: Person;
let stranger: Person;
let teamId: string;
let workflowId: string;
let v1: string;
let v2: string;
let v3: string;
let gateSet: string;
let otherSet: string;
let strangerSet: string;
const graph = { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };

beforeAll(async () => {
  await startDatabase();
  admin = await person("Ada", "ada@example.com");
  editor = await person("Eve", "eve@example.com");
  stranger = await person("Stan", "stan@example.com");
  teamId = admin.teamId;
  await db.membership.create({ data: { teamId, userId: editor.userId, role: "editor" } });
  workflowId = (await db.workflow.create({ data: { teamId, name: "Research", graph } })).id;
  v1 = (await db.workflowVersion.create({ data: { workflowId, number: 1, graph } })).id;
  v2 = (await db.workflowVersion.create({ data: { workflowId, number: 2, graph } })).id;
  v3 = (await db.workflowVersion.create({ data: { workflowId, number: 3, graph } })).id;
  gateSet = (await db.testSet.create({ data: { teamId, name: "Smoke" } })).id;
  otherSet = (await db.testSet.create({ data: { teamId, name: "Nightly" } })).id;
  strangerSet = (await db.testSet.create({ data: { teamId: stranger.teamId, name: "Theirs" } })).id;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** An evaluation row as the evaluation service leaves it. */
async function evaluation(input: {
  versionId: string;
  testSetId: string;
  status: "running" | "finished" | "failed";
  passed: number;
  cases: number;
  finishedAt?: Date;
}) {
  const version = await db.workflowVersion.findUniqueOrThrow({ where: { id: input.versionId } });
  const set = await db.testSet.findUniqueOrThrow({ where: { id: input.testSetId } });
  await db.evalRun.create({
    data: {
      teamId,
      testSetId: set.id,
      testSetName: set.name,
      workflowId,
      workflowVersionId: version.id,
      versionNumber: version.number,
      status: input.status,
      summary: {
        cases: input.cases,
        passed: input.passed,
        failed: input.cases - input.passed,
        passRate: input.passed / input.cases,
      },
      finishedAt: input.status === "running" ? null : (input.finishedAt ?? new Date()),
    },
  });
}

/** What is stored about the team's endpoints: each one's serving version, and every release. */
async function published() {
  const endpoints = await db.endpoint.findMany({
    where: { teamId },
    orderBy: { slug: "asc" },
    select: { slug: true, workflowVersionId: true },
  });
  const releases = await db.endpointRelease.findMany({
    where: { endpoint: { teamId } },
    orderBy: { createdAt: "asc" },
    select: { action: true, versionNumber: true },
  });
  return { endpoints, releases };
}

describe("publish gate", () => {
  let endpointId: string;

  it("publishes freely while the gate is off", async () => {
    expect(await admin.caller.team.publishGate({ teamId })).toBeNull();
    const endpoint = await admin.caller.endpoint.publish({
      teamId,
      workflowId,
      versionId: v1,
      slug: "research",
    });
    endpointId = endpoint.id;
    expect((await published()).endpoints).toEqual([{ slug: "research", workflowVersionId: v1 }]);
  });

  it("is set by a manager (audited), refused to an editor, and another team's set is NOT_FOUND", async () => {
    await expectCode(
      editor.caller.team.setPublishGate({ teamId, testSetId: gateSet, minPassRate: 1 }),
      "FORBIDDEN",
    );
    await expectCode(editor.caller.team.testSetsForGate({ teamId }), "FORBIDDEN");
    const foreign = await rejection(
      admin.caller.team.setPublishGate({ teamId, testSetId: strangerSet, minPassRate: 1 }),
    );
    const missing = await rejection(
      admin.caller.team.setPublishGate({ teamId, testSetId: "nosuchset", minPassRate: 1 }),
    );
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", "Test set not found."]);
    expect([missing.code, missing.message]).toEqual([foreign.code, foreign.message]);
    const tooHigh = await rejection(
      admin.caller.team.setPublishGate({ teamId, testSetId: gateSet, minPassRate: 90 }),
    );
    expect(tooHigh.code).toBe("BAD_REQUEST");
    expect(tooHigh.message).toContain("The pass rate is a fraction from 0 to 1");
    expect(await admin.caller.team.publishGate({ teamId })).toBeNull();

    expect(await admin.caller.team.testSetsForGate({ teamId })).toEqual([
      { id: otherSet, name: "Nightly" },
      { id: gateSet, name: "Smoke" },
    ]);
    const gate = await admin.caller.team.setPublishGate({ teamId, testSetId: gateSet, minPassRate: 1 });
    expect(gate).toEqual({ testSet: { id: gateSet, name: "Smoke" }, minPassRate: 1 });
    expect(await editor.caller.team.publishGate({ teamId })).toEqual(gate);
    const audit = await db.auditEvent.findMany({ where: { teamId, action: "team.publish_gate_changed" } });
    expect(audit.map((row) => [row.target, row.details, row.actorId])).toEqual([
      ["Smoke", { testSetId: gateSet, minPassRate: 1 }, admin.userId],
    ]);
  });

  it("refuses a version with no evaluation, naming it, the set and what is missing, and changes nothing", async () => {
    const before = await published();
    const refused = await rejection(
      admin.caller.endpoint.publish({ teamId, workflowId, versionId: v2, slug: "second" }),
    );
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe(
      'Version 2 of "Research" cannot serve: publishing needs a passing evaluation on "Smoke" (≥ 100 %), and it has no finished evaluation on "Smoke" yet (needs 100 %).',
    );
    const moved = await rejection(admin.caller.endpoint.move({ teamId, endpointId, versionId: v2 }));
    expect([moved.code, moved.message]).toEqual([refused.code, refused.message]);
    expect(await published()).toEqual(before);
  });

  it("never lets the working copy pass while the gate is on", async () => {
    const refused = await assertPublishGate(db, teamId, null).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PublishGateError);
    expect((refused as Error).message).toBe(
      'The working copy cannot be published while the team requires a passing evaluation on "Smoke" (≥ 100 %): save a version and evaluate it.',
    );
  });

  it("does not count a running evaluation, another version's, another set's, or one below the pass rate", async () => {
    await evaluation({ versionId: v2, testSetId: gateSet, status: "running", passed: 3, cases: 3 });
    await evaluation({ versionId: v2, testSetId: gateSet, status: "failed", passed: 3, cases: 3 });
    await evaluation({ versionId: v3, testSetId: gateSet, status: "finished", passed: 3, cases: 3 });
    await evaluation({ versionId: v2, testSetId: otherSet, status: "finished", passed: 3, cases: 3 });
    const before = await published();
    const none = await rejection(admin.caller.endpoint.move({ teamId, endpointId, versionId: v2 }));
    expect(none.message).toContain('it has no finished evaluation on "Smoke" yet');

    await evaluation({
      versionId: v2,
      testSetId: gateSet,
      status: "finished",
      passed: 2,
      cases: 3,
      finishedAt: new Date("2026-11-30T09:15:00Z"),
    });
    const below = await rejection(admin.caller.endpoint.move({ teamId, endpointId, versionId: v2 }));
    expect(below.code).toBe("PRECONDITION_FAILED");
    expect(below.message).toBe(
      'Version 2 of "Research" cannot serve: publishing needs a passing evaluation on "Smoke" (≥ 100 %), and its latest evaluation on "Smoke" reached 66.6 % (2/3 cases; needs 100 %) on 2026-11-30 09:15 UTC.',
    );
    await expectCode(
      admin.caller.endpoint.publish({ teamId, workflowId, versionId: v2, slug: "second" }),
      "PRECONDITION_FAILED",
    );
    expect(await published()).toEqual(before);
  });

  it("lets a version with a passing evaluation serve: moved to, and published under a new slug", async () => {
    expect(await editor.caller.endpoint.gateVerdict({ teamId, versionId: v3 })).toEqual({
      passed: true,
      reason: expect.stringMatching(/^evaluation on "Smoke" reached 100 % on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
    });
    expect(await editor.caller.endpoint.gateVerdict({ teamId, versionId: v2 })).toEqual({
      passed: false,
      reason:
        'its latest evaluation on "Smoke" reached 66.6 % (2/3 cases; needs 100 %) on 2026-11-30 09:15 UTC',
    });
    await expectCode(
      stranger.caller.endpoint.gateVerdict({ teamId: stranger.teamId, versionId: v3 }),
      "NOT_FOUND",
    );
    await admin.caller.endpoint.move({ teamId, endpointId, versionId: v3 });
    await admin.caller.endpoint.publish({ teamId, workflowId, versionId: v3, slug: "third" });
    expect((await published()).endpoints).toEqual([
      { slug: "research", workflowVersionId: v3 },
      { slug: "third", workflowVersionId: v3 },
    ]);
  });

  it("follows the pass rate the team sets, gates re-publishing but never unpublishing, and turns off", async () => {
    await admin.caller.team.setPublishGate({ teamId, testSetId: gateSet, minPassRate: 0.6 });
    await admin.caller.endpoint.move({ teamId, endpointId, versionId: v2 });
    await admin.caller.endpoint.unpublish({ teamId, endpointId });
    await admin.caller.team.setPublishGate({ teamId, testSetId: gateSet, minPassRate: 0.7 });
    const republish = await rejection(admin.caller.endpoint.move({ teamId, endpointId, versionId: v1 }));
    expect(republish.message).toContain('Version 1 of "Research" cannot serve');
    expect((await published()).endpoints[0]).toEqual({ slug: "research", workflowVersionId: null });

    await admin.caller.team.setPublishGate({ teamId, testSetId: null, minPassRate: 1 });
    expect(await admin.caller.team.publishGate({ teamId })).toBeNull();
    expect(await admin.caller.endpoint.gateVerdict({ teamId, versionId: v1 })).toBeNull();
    await admin.caller.endpoint.move({ teamId, endpointId, versionId: v1 });
    expect(
      (await published()).releases.map((release) => `${release.action} ${release.versionNumber}`),
    ).toEqual(["published 1", "moved 3", "published 3", "moved 2", "unpublished null", "published 1"]);
  });

  it("does not let another team read or set this team's gate", async () => {
    await expectCode(stranger.caller.team.publishGate({ teamId }), "NOT_FOUND");
    await expectCode(
      stranger.caller.team.setPublishGate({ teamId, testSetId: null, minPassRate: 1 }),
      "NOT_FOUND",
    );
    await expectCode(
      stranger.caller.team.setPublishGate({ teamId: stranger.teamId, testSetId: gateSet, minPassRate: 1 }),
      "NOT_FOUND",
    );
  });
});
