"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Activity, Loader2 } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { RunSourceBadge } from "~/components/publish/run-source-badge";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { SearchInput, useDebouncedValue } from "~/components/ui/search-input";
import { nativeSelectClass } from "~/components/ui/select-class";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import { inProgressRunStatuses, runStatusLabels } from "~/lib/run-status";
import { type RouterInputs, type RouterOutputs, useTRPC } from "~/trpc/react";
import { RunStatusBadge } from "./run-status-badge";

type RunStatusFilter = NonNullable<RouterInputs["run"]["list"]["status"]>;
type RunSummary = RouterOutputs["run"]["list"]["items"][number];

const ACTIVE = new Set<string>(inProgressRunStatuses);

/**
 * The team's runs with a search (task, workflow or tool name, on the server) and filters by workflow,
 * state and date, newest first, loaded page by page.
 */
export function RunsList() {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const [workflowId, setWorkflowId] = useState("");
  const [status, setStatus] = useState<RunStatusFilter | "">("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [search, setSearch] = useState("");
  const words = useDebouncedValue(search.trim());
  // The filter offers the 100 most recently changed workflows.
  const workflows = useQuery(trpc.workflow.list.queryOptions({ teamId: team.id, limit: 100 }));

  const filters = useMemo(
    () => ({
      teamId: team.id,
      limit: 25,
      ...(workflowId ? { workflowId } : {}),
      ...(status ? { status } : {}),
      ...(from ? { from: new Date(`${from}T00:00:00`) } : {}),
      ...(to ? { to: new Date(`${to}T23:59:59.999`) } : {}),
      ...(words ? { search: words } : {}),
    }),
    [team.id, workflowId, status, from, to, words],
  );
  const runs = useInfiniteQuery(
    trpc.run.list.infiniteQueryOptions(filters, {
      getNextPageParam: (page) => page.nextCursor,
      // Fast while runs are in progress; otherwise slower, so runs started elsewhere (the API, a share
      // link) still show up on their own.
      refetchInterval: (query) =>
        query.state.data?.pages.some((page) => page.items.some((run) => ACTIVE.has(run.status)))
          ? 2000
          : 5000,
    }),
  );
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(workflowId || status || from || to || words);

  return (
    <section aria-label="Runs" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3">
        <SearchInput
          label="Search runs"
          placeholder="Task, workflow or tool"
          className="w-64"
          value={search}
          onChange={setSearch}
        />
        <Filter label="Workflow" htmlFor="filter-workflow">
          <select
            id="filter-workflow"
            className={nativeSelectClass}
            value={workflowId}
            onChange={(event) => setWorkflowId(event.currentTarget.value)}
          >
            <option value="">All workflows</option>
            {workflows.data?.items.map((workflow) => (
              <option key={workflow.id} value={workflow.id}>
                {workflow.name}
              </option>
            ))}
          </select>
        </Filter>
        <Filter label="State" htmlFor="filter-status">
          <select
            id="filter-status"
            className={nativeSelectClass}
            value={status}
            onChange={(event) => setStatus(event.currentTarget.value as RunStatusFilter | "")}
          >
            <option value="">All states</option>
            {Object.entries(runStatusLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Filter>
        <Filter label="From" htmlFor="filter-from">
          <input
            id="filter-from"
            type="date"
            className={nativeSelectClass}
            value={from}
            onChange={(event) => setFrom(event.currentTarget.value)}
          />
        </Filter>
        <Filter label="To" htmlFor="filter-to">
          <input
            id="filter-to"
            type="date"
            className={nativeSelectClass}
            value={to}
            onChange={(event) => setTo(event.currentTarget.value)}
          />
        </Filter>
        {filtered ? (
          <Button
            variant="ghost"
            size="sm"
            className="mb-0.5"
            onClick={() => {
              setWorkflowId("");
              setStatus("");
              setFrom("");
              setTo("");
              setSearch("");
            }}
          >
            Clear filters
          </Button>
        ) : null}
      </div>

      {runs.isPending ? (
        <div className="flex items-center justify-center gap-2 py-16 text-sm text-muted-foreground">
          <Loader2 className="size-4 animate-spin" /> Loading runs…
        </div>
      ) : runs.isError ? (
        <p role="alert" className="py-16 text-center text-sm text-destructive">
          Could not load runs: {runs.error.message}
        </p>
      ) : items.length === 0 ? (
        <EmptyState
          icon={Activity}
          title={filtered ? "No runs match these filters" : "No runs yet"}
          description={
            filtered
              ? "Try another workflow, state or date range."
              : "Open a workflow and press Run. The demo workflow runs without any API key."
          }
          action={
            filtered ? undefined : (
              <Button asChild variant="secondary">
                <Link href="/workflows">Go to workflows</Link>
              </Button>
            )
          }
        />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-border shadow-card">
          <table className="w-full min-w-[760px] table-fixed text-sm">
            <thead className="border-b border-border bg-subtle text-left text-xs font-medium text-muted-foreground">
              <tr>
                <th className="w-[22%] px-4 py-2.5 font-medium">Workflow</th>
                <th className="px-3 py-2.5 font-medium">Task</th>
                <th className="w-36 px-3 py-2.5 font-medium">State</th>
                <th className="w-44 px-3 py-2.5 font-medium">Started</th>
                <th className="w-24 px-3 py-2.5 text-right font-medium">Duration</th>
                <th className="w-20 px-3 py-2.5 text-right font-medium">Tokens</th>
                <th className="w-28 px-4 py-2.5 text-right font-medium">Cost</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {items.map((run) => (
                <RunRow key={run.id} run={run} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage ? (
        <Button
          variant="secondary"
          className="self-center"
          disabled={runs.isFetchingNextPage}
          onClick={() => void runs.fetchNextPage()}
        >
          {runs.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
        </Button>
      ) : null}
    </section>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const started = run.startedAt ?? run.createdAt;
  const duration =
    run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  const href = `/runs/${run.id}`;
  return (
    <tr data-testid="run-row" className="group transition-colors hover:bg-subtle">
      <td className="px-4 py-2.5">
        <Link href={href} className="block truncate font-medium group-hover:text-primary">
          {run.workflow?.name ?? "Deleted workflow"}
        </Link>
        <RunSourceBadge
          className="mt-1"
          source={run.source}
          apiKeyName={run.apiKey?.name}
          endpointSlug={run.endpoint?.slug}
        />
      </td>
      <td className="px-3 py-2.5">
        <Link href={href} className="block truncate text-muted-foreground" title={run.task}>
          {run.task}
        </Link>
      </td>
      <td className="px-3 py-2.5">
        <RunStatusBadge status={run.status} />
      </td>
      <td className="whitespace-nowrap px-3 py-2.5 text-muted-foreground" suppressHydrationWarning>
        {started.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
      </td>
      <td className="whitespace-nowrap px-3 py-2.5 text-right tabular-nums">
        {duration === null ? (ACTIVE.has(run.status) ? "…" : "–") : formatDuration(duration)}
      </td>
      <td className="whitespace-nowrap px-3 py-2.5 text-right tabular-nums">
        {formatTokens(run.inputTokens + run.outputTokens)}
      </td>
      <td className="whitespace-nowrap px-4 py-2.5 text-right tabular-nums">
        {run.costUsd === null ? (
          <span className="text-muted-foreground">price unknown</span>
        ) : (
          formatCost(run.costUsd)
        )}
      </td>
    </tr>
  );
}

function Filter({ label, htmlFor, children }: { label: string; htmlFor: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={htmlFor} className="text-xs font-medium text-muted-foreground">
        {label}
      </label>
      {children}
    </div>
  );
}
