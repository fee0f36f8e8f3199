/**
 * Search of workflows and runs (src/server/api/search.ts) on real Postgres: how long a page of results
 * takes for one team holding many workflows and runs, next to other teams' rows, with and without
 * pg_trgm GIN indexes on the searched text. It answers "does search need a trigram index?".
 *
 *   npx tsx bench/search/search-bench.ts [workflows per team] [runs per team] [teams]
 *
 * Prints, per case, the median and p95 of 15 timed queries (after 3 warm-up queries) for a word that
 * matches a few rows, a word matching none (the worst case: every row of the team is read) and a
 * tool name.
 */
import { createTestDatabase } from "../../tests/integration/api/test-database";

const workflowsPerTeam = Number(process.argv[2] ?? 2_000);
const runsPerTeam = Number(process.argv[3] ?? 20_000);
const teams = Number(process.argv[4] ?? 5);

const database = await createTestDatabase("search_bench");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { searchRunIds, searchWorkflowIds } = await import("~/server/api/search");
await startDatabase();

/** A workflow graph with an agent and three tool nodes, the size of a typical small workflow. */
function graph(index: number) {
  const tool = (id: string, name: string) => ({
    id,
    type: "tool",
    position: { x: 0, y: 0 },
    data: {
      kind: "python",
      name,
      description: "Does a thing with a number.",
      source: "def f(x):\n  return x\n",
    },
  });
  return {
    version: 1,
    viewport: { x: 0, y: 0, zoom: 1 },
    edges: [],
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 0, y: 0 },
        data: { name: "lead", instructions: "Be brief." },
      },
      tool("t1", `lookup_${index}`),
      tool("t2", index % 500 === 0 ? "rare_harbour_tool" : `convert_${index}`),
      tool("t3", "web_search"),
    ],
  };
}

/** A compiled spec: a manager with a tool and one managed agent with two. */
function spec(index: number) {
  return {
    name: "lead",
    tools: [{ kind: "builtin", name: "final_answer" }],
    managedAgents: [
      {
        name: "helper",
        tools: [
          { kind: "python", name: `lookup_${index % 97}` },
          { kind: "python", name: index % 1000 === 0 ? "rare_harbour_tool" : "web_search" },
        ],
        managedAgents: [],
      },
    ],
  };
}

const started = Date.now();
const teamIds: string[] = [];
for (let t = 0; t < teams; t += 1) {
  const team = await db.team.create({ data: { name: `Team ${t}`, slug: `team-${t}-${Date.now()}` } });
  teamIds.push(team.id);
  for (let offset = 0; offset < workflowsPerTeam; offset += 500) {
    const count = Math.min(500, workflowsPerTeam - offset);
    await db.workflow.createMany({
      data: Array.from({ length: count }, (_, i) => {
        const index = offset + i;
        return {
          teamId: team.id,
          name: index % 400 === 0 ? `Harbour watcher ${index}` : `Workflow ${index}`,
          description: `Handles case ${index} of the quarterly report.`,
          graph: graph(index),
        };
      }),
    });
  }
  const workflowId = (
    await db.workflow.findFirstOrThrow({ where: { teamId: team.id }, select: { id: true } })
  ).id;
  for (let offset = 0; offset < runsPerTeam; offset += 1000) {
    const count = Math.min(1000, runsPerTeam - offset);
    await db.run.createMany({
      data: Array.from({ length: count }, (_, i) => {
        const index = offset + i;
        return {
          teamId: team.id,
          workflowId,
          status: "succeeded" as const,
          task:
            index % 700 === 0 ? `Count the ships in the harbour, case ${index}` : `Summarise report ${index}`,
          spec: spec(index),
          createdAt: new Date(Date.now() - index * 60_000),
        };
      }),
    });
  }
}
await db.$executeRawUnsafe("ANALYZE");
console.log(
  `${teams} teams × ${workflowsPerTeam} workflows and ${runsPerTeam} runs, inserted in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

async function timed(run: () => Promise<unknown>) {
  for (let i = 0; i < 3; i += 1) await run();
  const times: number[] = [];
  for (let i = 0; i < 15; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: times[7]!, p95: times[14]! };
}

const page = { limit: 50 };
const team = teamIds[0]!;
const cases: [string, () => Promise<unknown>][] = [
  ["workflows: 'harbour' (name, few)", () => searchWorkflowIds(db, team, "harbour", page)],
  ["workflows: 'rare_harbour' (tool name)", () => searchWorkflowIds(db, team, "rare_harbour", page)],
  ["workflows: 'zzqx' (no match)", () => searchWorkflowIds(db, team, "zzqx", page)],
  ["workflows: 'report' (every row)", () => searchWorkflowIds(db, team, "report", page)],
  ["runs: 'harbour' (task, few)", () => searchRunIds(db, team, "harbour", {}, page)],
  ["runs: 'zzqx' (no match)", () => searchRunIds(db, team, "zzqx", {}, page)],
  ["runs: 'summarise' (every row)", () => searchRunIds(db, team, "summarise", {}, page)],
];

async function measure(label: string) {
  console.log(`\n${label}`);
  console.log("case | p50 ms | p95 ms");
  for (const [name, run] of cases) {
    const { p50, p95 } = await timed(run);
    console.log(`${name} | ${p50.toFixed(1)} | ${p95.toFixed(1)}`);
  }
}

await measure("without trigram indexes (the team's rows by the existing (teamId, …) indexes)");

const trigram = await db
  .$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS pg_trgm")
  .then(() => true)
  .catch((error: unknown) => {
    console.log(`\npg_trgm is not available here: ${error instanceof Error ? error.message : error}`);
    return false;
  });
if (trigram) {
  await db.$executeRawUnsafe('CREATE INDEX "Workflow_name_trgm" ON "Workflow" USING gin (name gin_trgm_ops)');
  await db.$executeRawUnsafe('CREATE INDEX "Run_task_trgm" ON "Run" USING gin (task gin_trgm_ops)');
  await db.$executeRawUnsafe("ANALYZE");
  await measure("with GIN trigram indexes on Workflow.name and Run.task");
}

await db.$disconnect();
await database.drop();
