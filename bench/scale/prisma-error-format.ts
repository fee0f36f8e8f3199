/**
 * What Prisma's error format costs per query: the client made with any format but "minimal" builds
 * an Error for every query (to point a failure at its call site), which under tsx's source maps is a
 * large share of a small query's CPU. Same process, same database, the formats alternated: 1,000
 * `run.updateMany` calls (the shape of a run's status change) after 200 of warm-up, each.
 *
 *   npx tsx bench/scale/prisma-error-format.ts [--queries 1000] [--rounds 2]
 */
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { createTestDatabase } from "../../tests/integration/api/test-database";

const { values: flags } = parseArgs({
  options: { queries: { type: "string", default: "1000" }, rounds: { type: "string", default: "2" } },
});
const QUERIES = Number(flags.queries);

const database = await createTestDatabase("bench_prisma");
const dbUrl = new URL(database.url);
process.env.DATABASE_URL = dbUrl.toString();
const { db, startDatabase } = await import("~/server/db");
const { PrismaClient } = await import("~/server/db/generated/client");
try {
  await startDatabase();
  const rows = [];
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const errorFormat of ["colorless", "minimal"] as const) {
      const client = new PrismaClient({
        adapter: new PrismaPg({ connectionString: dbUrl.toString(), max: 2 }),
        errorFormat,
      });
      const update = (i: number) =>
        client.run.updateMany({
          where: { id: `run-${i}`, status: { in: ["running", "waiting_for_input"] } },
          data: { status: "failed", error: `reason ${i}`, finishedAt: new Date() },
        });
      for (let i = 0; i < 200; i++) await update(i);
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < QUERIES; i++) await update(i);
      const used = process.cpuUsage(cpu);
      rows.push({
        errorFormat,
        round: round + 1,
        cpuMsPerQuery: Number(((used.user + used.system) / 1000 / QUERIES).toFixed(3)),
        wallMsPerQuery: Number(((performance.now() - started) / QUERIES).toFixed(3)),
      });
      await client.$disconnect();
    }
  }
  console.table(rows);
  console.log(JSON.stringify({ bench: "prisma-error-format", rows }));
} finally {
  await db.$disconnect();
  await database.drop();
}
