import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * The canvas playground's side of run.start: a turn is a run with source "playground" that names the
 * previous turn, which must be a finished run of the same workflow (so of the caller's team). Real
 * Postgres, the in-process queue and no worker: started runs stay queued.
 */
const database = await createTestDatabase("run_playground");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "" });
const { db, startDatabase } = await import("~/server/db");
const { person } = await apiPeople();

beforeAll(async () => {
  await startDatabase();
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe("playground turns through run.start", () => {
  it("links a turn to the previous finished run of the same workflow, and refuses any other", async () => {
    const ada = await person("Ada", "ada-playground@example.com");
    const grace = await person("Grace", "grace-playground@example.com");
    const adas = (await db.workflow.findFirstOrThrow({ where: { teamId: ada.teamId } })).id;
    const graces = (await db.workflow.findFirstOrThrow({ where: { teamId: grace.teamId } })).id;

    const first = await ada.caller.run.start({ workflowId: adas, task: "Hello", source: "playground" });
    // Still queued: the next turn waits for it.
    const early = await rejection(
      ada.caller.run.start({
        workflowId: adas,
        task: "Again",
        source: "playground",
        previousRunId: first.runId,
      }),
    );
    expect(early).toMatchObject({ code: "CONFLICT", message: "Wait for the previous turn to finish." });

    await db.run.update({
      where: { id: first.runId },
      data: { status: "succeeded", finishedAt: new Date() },
    });
    const second = await ada.caller.run.start({
      workflowId: adas,
      task: "Again",
      source: "playground",
      previousRunId: first.runId,
    });
    expect(await db.run.findUniqueOrThrow({ where: { id: second.runId } })).toMatchObject({
      source: "playground",
      previousRunId: first.runId,
      workflowId: adas,
      createdById: ada.userId,
    });

    // Another team's run, even finished, is not found; nor is a run of another workflow.
    const theirs = await grace.caller.run.start({ workflowId: graces, task: "Mine", source: "playground" });
    await db.run.update({
      where: { id: theirs.runId },
      data: { status: "succeeded", finishedAt: new Date() },
    });
    const foreign = await rejection(
      ada.caller.run.start({ workflowId: adas, task: "Steal", previousRunId: theirs.runId }),
    );
    expect(foreign).toMatchObject({
      code: "NOT_FOUND",
      message: "The previous turn was not found in this workflow.",
    });
    const other = await db.workflow.create({
      data: {
        teamId: ada.teamId,
        name: "Other",
        graph: (await db.workflow.findUniqueOrThrow({ where: { id: adas } })).graph as never,
      },
    });
    const wrongWorkflow = await rejection(
      ada.caller.run.start({ workflowId: other.id, task: "Cross", previousRunId: first.runId }),
    );
    expect(wrongWorkflow.code).toBe("NOT_FOUND");

    // A plain start is an "app" run, as before.
    const plain = await ada.caller.run.start({ workflowId: adas, task: "Plain" });
    expect(await db.run.findUniqueOrThrow({ where: { id: plain.runId } })).toMatchObject({
      source: "app",
      previousRunId: null,
    });
    expect(await db.run.count({ where: { teamId: ada.teamId } })).toBe(3);
  });
});
