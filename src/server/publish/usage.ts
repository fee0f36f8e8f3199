import "server-only";
import type { PrismaClient } from "~/server/db";

/** One UTC day of API usage: calls answered, errors (status ≥ 400), latency, and the runs' tokens and cost. */
export interface UsageDay {
  day: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Runs whose cost is unknown (a model without a price). */
  unpriced: number;
}

/** Usage of one key or one endpoint over the whole window (the breakdown beside the charts). */
export interface UsageShare {
  id: string | null;
  label: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  tokens: number;
  costUsd: number;
}

export interface UsageReport {
  days: UsageDay[];
  totals: Omit<UsageDay, "day">;
  byKey: UsageShare[];
  byEndpoint: UsageShare[];
}

/** How many rows each breakdown keeps (the most called first). */
const BREAKDOWN_ROWS = 50;

type RequestRow = {
  group: string | null;
  calls: number;
  errors: number;
  p50: number | null;
  p95: number | null;
};
type RunRow = {
  group: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpriced: number;
};

const rounded = (value: number | null) => (value === null ? null : Math.round(value));

/**
 * A team's API usage over the last `days` UTC days (today included), optionally of one endpoint and/or
 * one key: calls, errors and p50/p95 latency from `ApiRequest`, tokens and cost from the runs the calls
 * started. Aggregated in Postgres (percentile_cont), so a busy endpoint costs one query per series.
 */
export async function apiUsage(
  db: PrismaClient,
  input: { teamId: string; endpointId?: string | null; apiKeyId?: string | null; days: number; now?: Date },
): Promise<UsageReport> {
  const now = input.now ?? new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - (input.days - 1) * 86_400_000);
  const endpointId = input.endpointId ?? null;
  const apiKeyId = input.apiKeyId ?? null;

  const requests = (group: "day" | "key" | "endpoint") => db.$queryRaw<RequestRow[]>`
    SELECT
      CASE ${group}::text
        WHEN 'day' THEN to_char("createdAt", 'YYYY-MM-DD')
        WHEN 'key' THEN "apiKeyId"
        ELSE "endpointId"
      END AS "group",
      count(*)::float8 AS calls,
      (count(*) FILTER (WHERE status >= 400))::float8 AS errors,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
    FROM "ApiRequest"
    WHERE "teamId" = ${input.teamId}
      AND "createdAt" >= ${since}
      AND (${endpointId}::text IS NULL OR "endpointId" = ${endpointId}::text)
      AND (${apiKeyId}::text IS NULL OR "apiKeyId" = ${apiKeyId}::text)
    GROUP BY 1
    ORDER BY calls DESC`;
  const runs = (group: "day" | "key" | "endpoint") => db.$queryRaw<RunRow[]>`
    SELECT
      CASE ${group}::text
        WHEN 'day' THEN to_char("createdAt", 'YYYY-MM-DD')
        WHEN 'key' THEN "apiKeyId"
        ELSE "endpointId"
      END AS "group",
      coalesce(sum("inputTokens"), 0)::float8 AS "inputTokens",
      coalesce(sum("outputTokens"), 0)::float8 AS "outputTokens",
      coalesce(sum("costUsd"), 0)::float8 AS "costUsd",
      (count(*) FILTER (WHERE "costUsd" IS NULL))::float8 AS unpriced
    FROM "Run"
    WHERE "teamId" = ${input.teamId}
      AND "createdAt" >= ${since}
      AND "endpointId" IS NOT NULL
      AND (${endpointId}::text IS NULL OR "endpointId" = ${endpointId}::text)
      AND (${apiKeyId}::text IS NULL OR "apiKeyId" = ${apiKeyId}::text)
    GROUP BY 1`;

  const [requestDays, runDays, requestKeys, runKeys, requestEndpoints, runEndpoints] = await Promise.all([
    requests("day"),
    runs("day"),
    requests("key"),
    runs("key"),
    requests("endpoint"),
    runs("endpoint"),
  ]);

  const days: UsageDay[] = [];
  const requestByDay = new Map(requestDays.map((row) => [row.group, row]));
  const runByDay = new Map(runDays.map((row) => [row.group, row]));
  for (let i = 0; i < input.days; i++) {
    const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const request = requestByDay.get(day);
    const run = runByDay.get(day);
    days.push({
      day,
      calls: request?.calls ?? 0,
      errors: request?.errors ?? 0,
      p50Ms: rounded(request?.p50 ?? null),
      p95Ms: rounded(request?.p95 ?? null),
      inputTokens: run?.inputTokens ?? 0,
      outputTokens: run?.outputTokens ?? 0,
      costUsd: run?.costUsd ?? 0,
      unpriced: run?.unpriced ?? 0,
    });
  }
  const [overall] = await db.$queryRaw<RequestRow[]>`
    SELECT NULL AS "group", count(*)::float8 AS calls,
      (count(*) FILTER (WHERE status >= 400))::float8 AS errors,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
    FROM "ApiRequest"
    WHERE "teamId" = ${input.teamId}
      AND "createdAt" >= ${since}
      AND (${endpointId}::text IS NULL OR "endpointId" = ${endpointId}::text)
      AND (${apiKeyId}::text IS NULL OR "apiKeyId" = ${apiKeyId}::text)`;
  const sum = (pick: (day: UsageDay) => number) => days.reduce((total, day) => total + pick(day), 0);
  const totals = {
    calls: sum((d) => d.calls),
    errors: sum((d) => d.errors),
    p50Ms: rounded(overall?.p50 ?? null),
    p95Ms: rounded(overall?.p95 ?? null),
    inputTokens: sum((d) => d.inputTokens),
    outputTokens: sum((d) => d.outputTokens),
    costUsd: sum((d) => d.costUsd),
    unpriced: sum((d) => d.unpriced),
  };

  const keyIds = requestKeys.flatMap((row) => (row.group ? [row.group] : []));
  const endpointIds = requestEndpoints.flatMap((row) => (row.group ? [row.group] : []));
  const [keys, endpoints] = await Promise.all([
    db.apiKey.findMany({
      where: { teamId: input.teamId, id: { in: keyIds.slice(0, BREAKDOWN_ROWS) } },
      select: { id: true, name: true, prefix: true },
    }),
    db.endpoint.findMany({
      where: { teamId: input.teamId, id: { in: endpointIds.slice(0, BREAKDOWN_ROWS) } },
      select: { id: true, slug: true },
    }),
  ]);
  const keyLabels = new Map(keys.map((key) => [key.id, `${key.name} (${key.prefix}…)`]));
  const endpointLabels = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.slug]));
  const shares = (
    requestRows: RequestRow[],
    runRows: RunRow[],
    label: (id: string | null) => string,
  ): UsageShare[] => {
    const runBy = new Map(runRows.map((row) => [row.group, row]));
    return requestRows.slice(0, BREAKDOWN_ROWS).map((row) => {
      const run = runBy.get(row.group);
      return {
        id: row.group,
        label: label(row.group),
        calls: row.calls,
        errors: row.errors,
        p50Ms: rounded(row.p50),
        p95Ms: rounded(row.p95),
        tokens: (run?.inputTokens ?? 0) + (run?.outputTokens ?? 0),
        costUsd: run?.costUsd ?? 0,
      };
    });
  };
  return {
    days,
    totals,
    byKey: shares(requestKeys, runKeys, (id) =>
      id === null ? "Without a key (share link, refused)" : (keyLabels.get(id) ?? "Deleted key"),
    ),
    byEndpoint: shares(requestEndpoints, runEndpoints, (id) =>
      id === null ? "No endpoint" : (endpointLabels.get(id) ?? "Deleted endpoint"),
    ),
  };
}
