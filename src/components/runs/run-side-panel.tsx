import { Card, CardContent } from "~/components/ui/card";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import type { RunUsage } from "~/lib/run-usage";

/** Beside the timeline: tokens and cost per agent, and the run's limits and event count. */
export function RunSidePanel({
  usage,
  data,
  eventCount,
}: {
  usage: RunUsage;
  data: {
    startedAt: Date | null;
    createdAt: Date;
    timeLimitSeconds: number;
    costCapUsd: number | null;
    tokenCap: number | null;
  };
  eventCount: number;
}) {
  return (
    <aside className="flex flex-col gap-3">
      <Card>
        <CardContent className="px-4 py-3">
          <h2 className="text-xs font-semibold uppercase tracking-wide text-muted-foreground">By agent</h2>
          <ul className="mt-2 flex flex-col gap-2 text-sm">
            {Object.entries(usage.byAgent).map(([path, line]) => (
              <li key={path} data-testid="agent-usage">
                <div className="truncate font-medium">{path.split("/").join(" › ")}</div>
                <div className="text-xs text-muted-foreground">
                  {formatTokens(line.inputTokens + line.outputTokens)} tokens · {formatCost(line.costUsd)}
                </div>
                <div className="truncate font-mono text-[11px] text-muted-foreground">{line.model}</div>
              </li>
            ))}
            {Object.keys(usage.byAgent).length === 0 ? (
              <li className="text-xs text-muted-foreground">No model calls yet.</li>
            ) : null}
          </ul>
        </CardContent>
      </Card>
      <Card>
        <CardContent className="px-4 py-3 text-xs text-muted-foreground">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
            <dt>Started</dt>
            <dd suppressHydrationWarning>{(data.startedAt ?? data.createdAt).toLocaleString()}</dd>
            <dt>Time limit</dt>
            <dd>{formatDuration(data.timeLimitSeconds * 1000)}</dd>
            <dt>Cost cap</dt>
            <dd>{data.costCapUsd === null ? "none" : formatCost(data.costCapUsd)}</dd>
            <dt>Token cap</dt>
            <dd>{data.tokenCap === null ? "none" : data.tokenCap.toLocaleString("en-US")}</dd>
            <dt>Events</dt>
            <dd>{eventCount}</dd>
          </dl>
        </CardContent>
      </Card>
    </aside>
  );
}
