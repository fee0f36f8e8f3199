"use client";

import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card } from "~/components/ui/card";
import { formatCost, formatTokens } from "~/lib/run-format";
import { useTRPC } from "~/trpc/react";

/** Tick style of every chart's axes. */
export const axis = { fontSize: 11, fill: "#71717a" };

/** Cost per day, tokens by model and cost by workflow over the last `days` days. */
export function RunCharts({ teamId, days = 30 }: { teamId: string; days?: number }) {
  const trpc = useTRPC();
  const stats = useQuery(trpc.run.stats.queryOptions({ teamId, days }, { refetchInterval: 15_000 }));
  const data = stats.data;
  return (
    <div data-testid="run-charts" className="grid gap-4 lg:grid-cols-3">
      <ChartCard title="Cost per day" note={`last ${days} days`} empty={!data?.costPerDay.length}>
        <BarChart data={data?.costPerDay ?? []} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis dataKey="day" tick={axis} tickFormatter={(day: string) => day.slice(5)} />
          <YAxis tick={axis} width={56} tickFormatter={(value: number) => formatCost(value)} />
          <Tooltip
            formatter={(value) => [formatCost(Number(value)), "Cost"]}
            labelFormatter={(day) => String(day)}
          />
          <Bar dataKey="costUsd" name="Cost" fill="#4f46e5" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ChartCard>
      <ChartCard title="Tokens by model" note="input and output" empty={!data?.tokensByModel.length}>
        <BarChart
          data={data?.tokensByModel ?? []}
          layout="vertical"
          margin={{ top: 8, right: 8, left: 8, bottom: 0 }}
        >
          <CartesianGrid horizontal={false} stroke="#f4f4f5" />
          <XAxis type="number" tick={axis} tickFormatter={(value: number) => formatTokens(value, true)} />
          <YAxis type="category" dataKey="model" tick={axis} width={110} />
          <Tooltip formatter={(value, name) => [formatTokens(Number(value)), String(name)]} />
          <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="inputTokens" name="Input" stackId="t" fill="#818cf8" isAnimationActive={false} />
          <Bar dataKey="outputTokens" name="Output" stackId="t" fill="#4338ca" isAnimationActive={false} />
        </BarChart>
      </ChartCard>
      <ChartCard title="Cost by workflow" note={`last ${days} days`} empty={!data?.costByWorkflow.length}>
        <BarChart
          data={data?.costByWorkflow ?? []}
          layout="vertical"
          margin={{ top: 8, right: 8, left: 8, bottom: 0 }}
        >
          <CartesianGrid horizontal={false} stroke="#f4f4f5" />
          <XAxis type="number" tick={axis} tickFormatter={(value: number) => formatCost(value)} />
          <YAxis type="category" dataKey="name" tick={axis} width={110} />
          <Tooltip formatter={(value) => [formatCost(Number(value)), "Cost"]} />
          <Bar dataKey="costUsd" name="Cost" fill="#0d9488" radius={[0, 3, 3, 0]} isAnimationActive={false} />
        </BarChart>
      </ChartCard>
    </div>
  );
}

/** A titled card holding one chart, or a note when there is nothing to draw (shared with the usage charts). */
export function ChartCard({
  title,
  note,
  empty,
  emptyText = "No runs yet.",
  children,
}: {
  title: string;
  note: string;
  empty: boolean;
  emptyText?: string;
  children: React.ReactElement;
}) {
  return (
    <Card className="px-4 pt-3 pb-2">
      <div className="flex items-baseline justify-between">
        <h2 className="text-sm font-semibold">{title}</h2>
        <span className="text-xs text-muted-foreground">{note}</span>
      </div>
      <div className="mt-2 h-44">
        {empty ? (
          <p className="flex h-full items-center justify-center text-xs text-muted-foreground">{emptyText}</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            {children}
          </ResponsiveContainer>
        )}
      </div>
    </Card>
  );
}
