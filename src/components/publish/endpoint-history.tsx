"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { RelativeTime } from "~/components/ui/relative-time";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type History = RouterOutputs["endpoint"]["get"]["history"];

const words = { published: "Published", moved: "Moved to", unpublished: "Unpublished" } as const;

/** An endpoint's releases, newest first: the first page comes with the endpoint, more on demand. */
export function EndpointHistory({
  teamId,
  endpointId,
  first,
}: {
  teamId: string;
  endpointId: string;
  first: History;
}) {
  const trpc = useTRPC();
  const [more, setMore] = useState(false);
  const rest = useInfiniteQuery({
    ...trpc.endpoint.history.infiniteQueryOptions(
      { teamId, endpointId, limit: 20 },
      { initialCursor: first.nextCursor ?? null, getNextPageParam: (page) => page.nextCursor },
    ),
    enabled: more && first.nextCursor !== undefined,
  });
  const items = [...first.items, ...(more ? (rest.data?.pages.flatMap((page) => page.items) ?? []) : [])];
  const hasMore = more ? rest.hasNextPage : first.nextCursor !== undefined;
  return (
    <div>
      <ol className="divide-y divide-border" data-testid="endpoint-history">
        {items.map((item) => (
          <li key={item.id} className="flex items-center gap-3 py-2 text-sm">
            <span className="w-28 font-medium">{words[item.action] ?? item.action}</span>
            <span className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">
              {item.versionNumber === null ? "–" : `v${item.versionNumber}`}
            </span>
            <span className="min-w-0 flex-1 truncate text-muted-foreground">{item.actor ?? "someone"}</span>
            <RelativeTime date={item.createdAt} className="text-xs text-muted-foreground" />
          </li>
        ))}
      </ol>
      {hasMore ? (
        <Button
          size="sm"
          variant="ghost"
          disabled={rest.isFetching}
          onClick={() => (more ? void rest.fetchNextPage() : setMore(true))}
        >
          {rest.isFetching ? <Loader2 className="animate-spin" /> : null} Older releases
        </Button>
      ) : null}
    </div>
  );
}
