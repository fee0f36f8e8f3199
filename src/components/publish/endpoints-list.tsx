"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Loader2, Plug } from "lucide-react";
import Link from "next/link";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { RelativeTime } from "~/components/ui/relative-time";
import { useTRPC } from "~/trpc/react";
import { ServingBadge } from "./endpoint-view";

/** The team's endpoints: slug, workflow, serving version and since when, share link state. */
export function EndpointsList() {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const endpoints = useInfiniteQuery(
    trpc.endpoint.list.infiniteQueryOptions(
      { teamId: team.id, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = endpoints.data?.pages.flatMap((page) => page.items) ?? [];
  if (endpoints.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-16 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading endpoints…
      </div>
    );
  }
  if (endpoints.isError) {
    return (
      <p role="alert" className="py-16 text-center text-sm text-destructive">
        Could not load endpoints: {endpoints.error.message}
      </p>
    );
  }
  if (items.length === 0) {
    return (
      <EmptyState
        icon={Plug}
        title="No endpoints yet"
        description={
          team.actions.includes("publish")
            ? "Open a workflow, save a version and press Publish: it becomes an HTTP API, an OpenAI-compatible model and an MCP tool."
            : "Admins and owners publish workflows as endpoints; they will appear here."
        }
        action={
          <Button asChild variant="secondary">
            <Link href="/workflows">Go to workflows</Link>
          </Button>
        }
      />
    );
  }
  return (
    <div className="flex flex-col gap-3">
      <div className="overflow-x-auto rounded-lg border border-border shadow-card">
        <table className="w-full min-w-[720px] table-fixed text-sm" data-testid="endpoints-table">
          <thead className="border-b border-border bg-subtle text-left text-xs font-medium text-muted-foreground">
            <tr>
              <th className="w-[24%] px-4 py-2.5 font-medium">Endpoint</th>
              <th className="px-3 py-2.5 font-medium">Workflow</th>
              <th className="w-32 px-3 py-2.5 font-medium">Version</th>
              <th className="w-36 px-3 py-2.5 font-medium">Since</th>
              <th className="w-28 px-4 py-2.5 font-medium">Share link</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {items.map((endpoint) => (
              <tr key={endpoint.id} data-testid="endpoint-row" className="group hover:bg-subtle">
                <td className="px-4 py-2.5">
                  <Link
                    href={`/endpoints/${endpoint.id}`}
                    className="block truncate font-mono font-medium group-hover:text-primary"
                  >
                    {endpoint.slug}
                  </Link>
                  {endpoint.description ? (
                    <span className="block truncate text-xs text-muted-foreground">
                      {endpoint.description}
                    </span>
                  ) : null}
                </td>
                <td className="truncate px-3 py-2.5 text-muted-foreground">{endpoint.workflow.name}</td>
                <td className="px-3 py-2.5">
                  <ServingBadge version={endpoint.workflowVersion} />
                </td>
                <td className="px-3 py-2.5 text-muted-foreground">
                  {endpoint.servingSince ? <RelativeTime date={endpoint.servingSince} /> : "–"}
                </td>
                <td className="px-4 py-2.5 text-muted-foreground">{endpoint.shareEnabled ? "On" : "Off"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {endpoints.hasNextPage ? (
        <Button
          variant="secondary"
          className="self-center"
          disabled={endpoints.isFetchingNextPage}
          onClick={() => void endpoints.fetchNextPage()}
        >
          {endpoints.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
        </Button>
      ) : null}
    </div>
  );
}
