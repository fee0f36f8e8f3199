"use client";

import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { axis, ChartCard } from "~/components/runs/run-charts";
import { Card } from "~/components/ui/card";
import { formatCost, formatTokens } from "~/lib/run-format";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type Usage = RouterOutputs["endpoint"]["usage"];
type Share = Usage["byKey"][number];

const day = (value: string) => value.slice(5);
const ms = (value: number | null) => (value === null ? "–" : `${value.toLocaleString("en-US")} ms`);

/**
 * API usage charts over the last `days` days — calls and errors, p50/p95 latency, tokens and cost per
 * day — of one endpoint, one key, or the whole team, with a table per key (or per endpoint).
 */
export function UsageCharts({
  teamId,
  endpointId,
  apiKeyId,
  days = 14,
  breakdown,
}: {
  teamId: string;
  endpointId?: string;
  apiKeyId?: string;
  days?: number;
  breakdown: "key" | "endpoint";
}) {
  const trpc = useTRPC();
  const usage = useQuery(
    trpc.endpoint.usage.queryOptions(
      { teamId, days, ...(endpointId ? { endpointId } : {}), ...(apiKeyId ? { apiKeyId } : {}) },
      { refetchInterval: 15_000 },
    ),
  );
  const data = usage.data;
  const noCalls = !data || data.totals.calls === 0;
  const noRuns = !data || data.totals.inputTokens + data.totals.outputTokens === 0;
  const note = `last ${days} days`;
  const margin = { top: 8, right: 8, left: 0, bottom: 0 };
  return (
    <div data-testid="usage-charts" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-4">
        <Figure label="Calls" value={(data?.totals.calls ?? 0).toLocaleString("en-US")} />
        <Figure
          label="Errors"
          value={
            data && data.totals.calls > 0
              ? `${data.totals.errors.toLocaleString("en-US")} (${Math.round((100 * data.totals.errors) / data.totals.calls)}%)`
              : "0"
          }
        />
        <Figure
          label="Latency p50 / p95"
          value={`${ms(data?.totals.p50Ms ?? null)} / ${ms(data?.totals.p95Ms ?? null)}`}
        />
        <Figure
          label="Cost"
          value={`${formatCost(data?.totals.costUsd ?? 0)}${data?.totals.unpriced ? ` + ${data.totals.unpriced} unpriced` : ""}`}
        />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartCard title="Calls and errors per day" note={note} empty={noCalls} emptyText="No calls yet.">
          <BarChart data={data?.days ?? []} margin={margin}>
            <CartesianGrid vertical={false} stroke="#f4f4f5" />
            <XAxis dataKey="day" tick={axis} tickFormatter={day} />
            <YAxis tick={axis} width={40} allowDecimals={false} />
            <Tooltip labelFormatter={(label) => String(label)} />
            <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />
            <Bar
              dataKey="calls"
              name="Calls"
              fill="#4f46e5"
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
            <Bar
              dataKey="errors"
              name="Errors"
              fill="#dc2626"
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
          </BarChart>
        </ChartCard>
        <ChartCard title="Latency per day" note="p50 and p95" empty={noCalls} emptyText="No calls yet.">
          <LineChart data={data?.days ?? []} margin={margin}>
            <CartesianGrid vertical={false} stroke="#f4f4f5" />
            <XAxis dataKey="day" tick={axis} tickFormatter={day} />
            <YAxis tick={axis} width={56} tickFormatter={(value: number) => `${value} ms`} />
            <Tooltip formatter={(value, name) => [ms(value === null ? null : Number(value)), String(name)]} />
            <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />
            <Line
              dataKey="p50Ms"
              name="p50"
              stroke="#0d9488"
              connectNulls
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="p95Ms"
              name="p95"
              stroke="#f59e0b"
              connectNulls
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ChartCard>
        <ChartCard title="Tokens per day" note="input and output" empty={noRuns} emptyText="No runs yet.">
          <BarChart data={data?.days ?? []} margin={margin}>
            <CartesianGrid vertical={false} stroke="#f4f4f5" />
            <XAxis dataKey="day" tick={axis} tickFormatter={day} />
            <YAxis tick={axis} width={48} tickFormatter={(value: number) => formatTokens(value, true)} />
            <Tooltip formatter={(value, name) => [formatTokens(Number(value)), String(name)]} />
            <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />
            <Bar dataKey="inputTokens" name="Input" stackId="t" fill="#818cf8" isAnimationActive={false} />
            <Bar dataKey="outputTokens" name="Output" stackId="t" fill="#4338ca" isAnimationActive={false} />
          </BarChart>
        </ChartCard>
        <ChartCard title="Cost per day" note={note} empty={noRuns} emptyText="No runs yet.">
          <BarChart data={data?.days ?? []} margin={margin}>
            <CartesianGrid vertical={false} stroke="#f4f4f5" />
            <XAxis dataKey="day" tick={axis} tickFormatter={day} />
            <YAxis tick={axis} width={56} tickFormatter={(value: number) => formatCost(value)} />
            <Tooltip formatter={(value) => [formatCost(Number(value)), "Cost"]} />
            <Bar
              dataKey="costUsd"
              name="Cost"
              fill="#0d9488"
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
          </BarChart>
        </ChartCard>
      </div>
      <ShareTable
        title={breakdown === "key" ? "Per key" : "Per endpoint"}
        rows={(breakdown === "key" ? data?.byKey : data?.byEndpoint) ?? []}
      />
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card className="px-4 py-3">
      <div className="text-xs text-muted-foreground">{label}</div>
      <div className="mt-0.5 text-lg font-semibold tabular-nums">{value}</div>
    </Card>
  );
}

function ShareTable({ title, rows }: { title: string; rows: Share[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="overflow-x-auto rounded-lg border border-border shadow-card">
      <table className="w-full min-w-[640px] text-sm" data-testid="usage-breakdown">
        <thead className="border-b border-border bg-subtle text-left text-xs font-medium text-muted-foreground">
          <tr>
            <th className="px-4 py-2 font-medium">{title}</th>
            <th className="px-3 py-2 text-right font-medium">Calls</th>
            <th className="px-3 py-2 text-right font-medium">Errors</th>
            <th className="px-3 py-2 text-right font-medium">p50</th>
            <th className="px-3 py-2 text-right font-medium">p95</th>
            <th className="px-3 py-2 text-right font-medium">Tokens</th>
            <th className="px-4 py-2 text-right font-medium">Cost</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border tabular-nums">
          {rows.map((row) => (
            <tr key={row.id ?? "none"}>
              <td className="px-4 py-2">{row.label}</td>
              <td className="px-3 py-2 text-right">{row.calls.toLocaleString("en-US")}</td>
              <td className="px-3 py-2 text-right">{row.errors.toLocaleString("en-US")}</td>
              <td className="px-3 py-2 text-right">{ms(row.p50Ms)}</td>
              <td className="px-3 py-2 text-right">{ms(row.p95Ms)}</td>
              <td className="px-3 py-2 text-right">{formatTokens(row.tokens)}</td>
              <td className="px-4 py-2 text-right">{formatCost(row.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
