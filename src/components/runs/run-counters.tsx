import Link from "next/link";
import type { ReactNode } from "react";
import { Card } from "~/components/ui/card";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import type { Timeline } from "~/lib/run-timeline";
import type { RunUsage } from "~/lib/run-usage";
import { PRICE_TABLE_HREF } from "./price-table";

/** The run's four counters: tokens, cost (or where to set a missing price), duration and steps. */
export function RunCounters({
  usage,
  counts,
  duration,
  finished,
}: {
  usage: RunUsage;
  counts: Timeline["counts"];
  duration: number | undefined;
  finished: boolean;
}) {
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
      <Counter
        label="Tokens"
        testId="counter-tokens"
        value={formatTokens(usage.total.inputTokens + usage.total.outputTokens)}
      >
        {formatTokens(usage.total.inputTokens)} in · {formatTokens(usage.total.outputTokens)} out
      </Counter>
      <Counter label="Cost" testId="counter-cost" value={formatCost(usage.total.costUsd)}>
        {usage.total.costUsd === null ? (
          <>
            a model has no price:{" "}
            <Link href={PRICE_TABLE_HREF} className="underline underline-offset-2">
              set it
            </Link>
          </>
        ) : (
          "from the team's price table"
        )}
      </Counter>
      <Counter label="Duration" testId="counter-duration" value={formatDuration(duration)}>
        {finished ? "start to end" : "so far"}
      </Counter>
      <Counter label="Steps" testId="counter-steps" value={String(counts.step_started ?? 0)}>
        {counts.code_action ?? 0} code · {counts.tool_call ?? 0} tool calls
      </Counter>
    </div>
  );
}

function Counter({
  label,
  value,
  testId,
  children,
}: {
  label: string;
  value: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Card className="px-4 py-3">
      <p className="text-xs font-medium text-muted-foreground">{label}</p>
      <p
        data-testid={testId}
        suppressHydrationWarning
        className="mt-0.5 text-xl font-semibold tabular-nums tracking-tight"
      >
        {value}
      </p>
      <p className="mt-0.5 truncate text-xs text-muted-foreground">{children}</p>
    </Card>
  );
}
