import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * Every tenant is bounded: run.start against a real Postgres with the in-process queue and no worker,
 * so started runs stay queued (in progress). Operator defaults come from the environment; one team's
 * own limits are set with the operator's CLI (`npm run team:limits`), as an operator would.
 */
const database = await createTestDatabase("run_limits");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  TEAM_MAX_CONCURRENT_RUNS: "2",
  TEAM_MAX_RUNS_PER_HOUR: "4",
  RUN_MAX_TIME_LIMIT_SECONDS: "600",
  RUN_DEFAULT_COST_CAP_USD: "3",
  RUN_MAX_TOKENS: "50000",
  ALLOW_LOCAL_EXECUTOR: "",
});
const { db, startDatabase } = await import("~/server/db");
const { createRunWithinLimits, RunLimitError } = await import("~/server/runs/run-limits");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  await startDatabase();
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** The demo workflow seeded into a new person's team: it compiles and needs no provider key. */
async function demoWorkflowOf(someone: Person): Promise<string> {
  const workflow = await db.workflow.findFirstOrThrow({ where: { teamId: someone.teamId } });
  return workflow.id;
}

const start = (someone: Person, workflowId: string, extra: { timeLimitSeconds?: number } = {}) =>
  someone.caller.run.start({ workflowId, task: "Compare the cities.", ...extra });

/** Run the operator's CLI on the test database; resolves with what it printed. */
async function teamLimitsCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ["node_modules/.bin/tsx", "src/cli/team-limits.ts", ...args], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "warn" },
  });
}

describe("runs in progress per team", () => {
  it("refuses the third concurrent run of a team with the limit in words, while another team starts runs", async () => {
    const ada = await person("Ada", "ada@example.com");
    const grace = await person("Grace", "grace@example.com");
    const adas = await demoWorkflowOf(ada);
    const graces = await demoWorkflowOf(grace);

    const first = await start(ada, adas);
    await start(ada, adas);
    const refused = await rejection(start(ada, adas));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toBe(
      "Your team has 2 runs in progress and may have at most 2 at once on this server. Wait for one to finish, or cancel one, then start this run again.",
    );
    expect(await db.run.count({ where: { teamId: ada.teamId } })).toBe(2);

    // Another team is not held up by Ada's.
    await start(grace, graces);
    await start(grace, graces);
    expect(await db.run.count({ where: { teamId: grace.teamId, status: "queued" } })).toBe(2);

    // A finished (here: cancelled) run frees its place.
    expect(await ada.caller.run.cancel({ runId: first.runId })).toEqual({ status: "cancelled" });
    await start(ada, adas);
    expect(await db.run.count({ where: { teamId: ada.teamId, status: "queued" } })).toBe(2);
  });

  it("lets exactly the limit through when many starts of one team race", async () => {
    const katherine = await person("Katherine", "katherine@example.com");
    const workflowId = await demoWorkflowOf(katherine);
    const spec = { type: "toolCalling", name: "a", model: { provider: "replay", model: "x" } } as never;
    // Straight at the store, twelve at once: the router's compile step would spread them out.
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        createRunWithinLimits(db, { teamId: katherine.teamId, workflowId, spec, task: `race ${i}` }),
      ),
    );
    const created = results.filter((result) => result.status === "fulfilled");
    const refused = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(created).toHaveLength(2);
    expect(refused).toHaveLength(10);
    for (const reason of refused) expect(reason).toBeInstanceOf(RunLimitError);
    expect(await db.run.count({ where: { teamId: katherine.teamId } })).toBe(2);
  });
});

describe("runs per hour", () => {
  it("refuses a start past the team's hourly limit, says when the next can start, and counts only the last hour", async () => {
    const mary = await person("Mary", "mary@example.com");
    const workflowId = await demoWorkflowOf(mary);
    // Four runs an hour by default; none of these stays in progress.
    for (let i = 0; i < 4; i++) {
      const { runId } = await start(mary, workflowId);
      await mary.caller.run.cancel({ runId });
    }
    const refused = await rejection(start(mary, workflowId));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toBe(
      "Your team has started 4 runs in the last hour and may start at most 4 per hour on this server. The next run can start in about 60 minutes.",
    );

    // The oldest run started 61 minutes ago: it has left the window, and one start is possible again.
    const oldest = await db.run.findFirstOrThrow({
      where: { teamId: mary.teamId },
      orderBy: { createdAt: "asc" },
    });
    await db.run.update({
      where: { id: oldest.id },
      data: { createdAt: new Date(Date.now() - 61 * 60_000) },
    });
    const { runId } = await start(mary, workflowId);
    await mary.caller.run.cancel({ runId });
    // Three of the window's four runs leave it within the hour; the next to leave is 20 minutes old.
    const next = await db.run.findFirstOrThrow({
      where: { teamId: mary.teamId, createdAt: { gt: new Date(Date.now() - 3_600_000) } },
      orderBy: { createdAt: "asc" },
    });
    await db.run.update({ where: { id: next.id }, data: { createdAt: new Date(Date.now() - 40 * 60_000) } });
    expect((await rejection(start(mary, workflowId))).message).toMatch(
      /The next run can start in about 20 minutes\.$/,
    );
  });

  it("follows a team's own limits set with the operator's CLI, and returns to the defaults", async () => {
    const dorothy = await person("Dorothy", "dorothy@example.com");
    const workflowId = await demoWorkflowOf(dorothy);
    const { slug } = await db.team.findUniqueOrThrow({ where: { id: dorothy.teamId } });

    const set = await teamLimitsCli(slug, "--concurrent", "3", "--per-hour", "5");
    expect(set.stdout.trim()).toBe(
      `${slug}: 3 runs in progress at once (team setting), 5 runs per hour (team setting)`,
    );
    for (let i = 0; i < 3; i++) await start(dorothy, workflowId);
    expect((await rejection(start(dorothy, workflowId))).message).toMatch(/may have at most 3 at once/);
    expect(await dorothy.caller.team.limits({ teamId: dorothy.teamId })).toMatchObject({
      maxConcurrentRuns: 3,
      maxRunsPerHour: 5,
    });

    const reset = await teamLimitsCli(slug, "--concurrent", "default");
    expect(reset.stdout.trim()).toBe(
      `${slug}: 2 runs in progress at once (server default), 5 runs per hour (team setting)`,
    );
    expect((await rejection(start(dorothy, workflowId))).message).toMatch(
      /3 runs in progress and may have at most 2/,
    );

    const shown = await teamLimitsCli(slug);
    expect(shown.stdout.trim()).toBe(reset.stdout.trim());
    const unknown = await teamLimitsCli("no-such-team").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no team has the slug "no-such-team"'),
    });
    const bad = await teamLimitsCli(slug, "--per-hour", "0").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--per-hour must be a whole number"),
    });
  });
});

describe("per-run bounds", () => {
  it("refuses a time limit above the operator's maximum, and gives a run the default limits and caps", async () => {
    const hedy = await person("Hedy", "hedy@example.com");
    const workflowId = await demoWorkflowOf(hedy);
    const refused = await rejection(start(hedy, workflowId, { timeLimitSeconds: 601 }));
    expect([refused.code, refused.message]).toEqual([
      "BAD_REQUEST",
      "The time limit can be at most 600 s on this server.",
    ]);
    expect(await db.run.count({ where: { teamId: hedy.teamId } })).toBe(0);

    const atMost = await start(hedy, workflowId, { timeLimitSeconds: 600 });
    const byDefault = await start(hedy, workflowId);
    const runs = await db.run.findMany({
      where: { id: { in: [atMost.runId, byDefault.runId] } },
      select: { id: true, timeLimitSeconds: true, costCapUsd: true, tokenCap: true },
    });
    const byId = new Map(runs.map((run) => [run.id, run]));
    expect(byId.get(atMost.runId)).toMatchObject({ timeLimitSeconds: 600, costCapUsd: 3, tokenCap: 50_000 });
    // No time limit asked: 900 s, lowered to the operator's maximum.
    expect(byId.get(byDefault.runId)).toMatchObject({
      timeLimitSeconds: 600,
      costCapUsd: 3,
      tokenCap: 50_000,
    });
    expect(await hedy.caller.team.limits({ teamId: hedy.teamId })).toEqual({
      maxConcurrentRuns: 2,
      maxRunsPerHour: 4,
      maxTimeLimitSeconds: 600,
      defaultTimeLimitSeconds: 600,
      defaultCostCapUsd: 3,
      tokenCap: 50_000,
      localExecutor: false,
      mcpStdioCommands: [],
    });
  });
});

describe("the local sandbox at run start", () => {
  it("refuses a workflow whose code runs in the local sandbox for a team the operator did not name", async () => {
    const alan = await person("Alan", "alan@example.com");
    const workflow = await db.workflow.findFirstOrThrow({ where: { teamId: alan.teamId } });
    const graph = workflow.graph as { nodes: { type: string; data: Record<string, unknown> }[] };
    for (const node of graph.nodes) if (node.type === "sandbox") node.data = { kind: "local" };
    await alan.caller.workflow.saveGraph({
      workflowId: workflow.id,
      revision: workflow.revision,
      graph: graph as never,
    });
    const refused = await rejection(start(alan, workflow.id));
    expect([refused.code, refused.message]).toEqual([
      "BAD_REQUEST",
      "This workflow cannot run yet: This team may not use the local sandbox (it runs model-written Python unsandboxed on the server); choose pyodide or docker.",
    ]);
    expect(await db.run.count({ where: { teamId: alan.teamId } })).toBe(0);
  });
});

describe("a start that cannot get its team's row in time", () => {
  it("is refused as busy (try again), stores nothing, and the next start goes through", async () => {
    const { default: pg } = await import("pg");
    const barbara = await person("Barbara", "barbara@example.com");
    const workflowId = await demoWorkflowOf(barbara);
    // Another transaction holds the team's row for longer than a start may wait (5 s).
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "Team" WHERE "id" = $1 FOR UPDATE`, [barbara.teamId]);
      const refused = await rejection(start(barbara, workflowId));
      expect([refused.code, refused.message]).toEqual([
        "SERVICE_UNAVAILABLE",
        "The server is busy starting other runs and could not take this one in time. Try again in a moment.",
      ]);
      await holder.query("ROLLBACK");
    } finally {
      await holder.end();
    }
    expect(await db.run.count({ where: { teamId: barbara.teamId } })).toBe(0);
    await start(barbara, workflowId);
    expect(await db.run.count({ where: { teamId: barbara.teamId, status: "queued" } })).toBe(1);
  });
});
