/**
 * `npm run team:limits -- <team-slug> [--concurrent N|default] [--per-hour N|default]`
 *
 * The operator's tool for one team's run limits: without options it prints them; `--concurrent`
 * sets how many of the team's runs may be in progress at once, `--per-hour` how many it may start
 * per hour; `default` returns to the server's TEAM_MAX_CONCURRENT_RUNS / TEAM_MAX_RUNS_PER_HOUR.
 * Uses DATABASE_URL, or the embedded database of TROUPE_DATA_DIR (stop the server first: the
 * embedded database has one owner).
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { db, startDatabase } from "~/server/db";
import { teamRunLimits } from "~/server/runs/run-limits";

/** A command line that does not say what to do; printed with the usage. */
class UsageError extends Error {}

const usage = "usage: npm run team:limits -- <team-slug> [--concurrent N|default] [--per-hour N|default]";

/** A limit on the command line: a whole number, or `default` (null: the server's default). */
const limitSchema = z.union([
  z.literal("default").transform(() => null),
  z.coerce.number().int().min(1).max(1_000_000),
]);

function parseLimit(flag: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  const parsed = limitSchema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--${flag} must be a whole number from 1 to 1,000,000, or "default"`);
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      concurrent: { type: "string" },
      "per-hour": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [slug] = positionals;
  if (values.help || !slug || positionals.length > 1) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const maxConcurrentRuns = parseLimit("concurrent", values.concurrent);
  const maxRunsPerHour = parseLimit("per-hour", values["per-hour"]);

  const database = await startDatabase();
  try {
    const select = { maxConcurrentRuns: true, maxRunsPerHour: true } as const;
    const changes = {
      ...(maxConcurrentRuns !== undefined ? { maxConcurrentRuns } : {}),
      ...(maxRunsPerHour !== undefined ? { maxRunsPerHour } : {}),
    };
    const found = await db.team.findUnique({ where: { slug }, select });
    if (!found) {
      console.error(`team:limits: no team has the slug "${slug}"`);
      return 1;
    }
    const row =
      Object.keys(changes).length > 0
        ? await db.team.update({ where: { slug }, data: changes, select })
        : found;
    const limits = teamRunLimits(row);
    const origin = (own: number | null) => (own === null ? "server default" : "team setting");
    console.log(
      `${slug}: ${limits.maxConcurrentRuns} runs in progress at once (${origin(row.maxConcurrentRuns)}), ` +
        `${limits.maxRunsPerHour} runs per hour (${origin(row.maxRunsPerHour)})`,
    );
    return 0;
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `team:limits: ${error.message}\n${usage}` : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
