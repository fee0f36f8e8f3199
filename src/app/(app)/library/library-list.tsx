"use client";

import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Bot, ChevronRight, Code, Globe, LibraryBig, Loader2, Search, Trash2 } from "lucide-react";
import { useDeferredValue, useState } from "react";
import { PageHeader } from "~/components/layout/page-header";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { Input } from "~/components/ui/input";
import { RelativeTime } from "~/components/ui/relative-time";
import { toast } from "~/components/ui/toaster";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type LibraryItem = RouterOutputs["library"]["list"]["items"][number];

const isAdmin = (role: string) => role === "admin" || role === "owner";

const kindLabels = { python: "Python", http: "HTTP", agent: "Agent" } as const;
type KindFilter = "all" | "tool" | "agent";

/** The team library: every shared tool and agent with its versions, searchable; admins can remove an item. */
export function LibraryList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const team = useCurrentTeam();
  const [search, setSearch] = useState("");
  const [kind, setKind] = useState<KindFilter>("all");
  const deferredSearch = useDeferredValue(search.trim());
  const listOptions = trpc.library.list.infiniteQueryOptions(
    {
      teamId: team.id,
      ...(deferredSearch ? { search: deferredSearch } : {}),
      ...(kind === "all" ? {} : { itemKind: kind }),
    },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const library = useInfiniteQuery({ ...listOptions, placeholderData: keepPreviousData });
  const items = library.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = deferredSearch !== "" || kind !== "all";
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [removing, setRemoving] = useState<LibraryItem>();

  const remove = useMutation(
    trpc.library.remove.mutationOptions({
      onSuccess: async () => {
        toast.success(`Removed "${removing?.name}" from the library.`);
        setRemoving(undefined);
        await queryClient.invalidateQueries({ queryKey: trpc.library.list.queryKey() });
      },
      onError: (error) => toast.error(error.message),
    }),
  );

  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const admin = isAdmin(team.role);
  return (
    <>
      <PageHeader
        title="Library"
        description="Tools and agents your team shares across workflows, each with its versions. Share one from a tool's or an agent's inspector on the canvas."
      />
      <div className="mt-6 flex flex-wrap items-center gap-3">
        <div className="relative min-w-0 flex-1 sm:max-w-sm">
          <Search aria-hidden className="absolute top-2.5 left-2.5 size-4 text-muted-foreground" />
          <Input
            type="search"
            aria-label="Search the library"
            data-testid="library-search"
            placeholder="Search by name or description"
            value={search}
            maxLength={200}
            onChange={(e) => setSearch(e.target.value)}
            className="pl-8"
          />
        </div>
        <fieldset aria-label="Kind" className="flex gap-1">
          {(["all", "tool", "agent"] as const).map((k) => (
            <Button
              key={k}
              size="sm"
              variant={kind === k ? "primary" : "secondary"}
              aria-pressed={kind === k}
              data-testid={`library-filter-${k}`}
              onClick={() => setKind(k)}
            >
              {k === "all" ? "All" : k === "tool" ? "Tools" : "Agents"}
            </Button>
          ))}
        </fieldset>
      </div>
      <section className="mt-6">
        {library.isPending ? (
          <div className="flex items-center justify-center gap-2 py-16 text-sm text-muted-foreground">
            <Loader2 className="size-4 animate-spin" /> Loading the library…
          </div>
        ) : library.isError ? (
          <p role="alert" className="py-16 text-center text-sm text-destructive">
            Could not load the library: {library.error.message}
          </p>
        ) : items.length === 0 && filtered ? (
          <p className="py-16 text-center text-sm text-muted-foreground" data-testid="library-no-match">
            Nothing in the library matches.
          </p>
        ) : items.length === 0 ? (
          <EmptyState
            icon={LibraryBig}
            title="Your library is empty"
            description="Tools and agents you share from a workflow's canvas appear here, versioned, ready to drop into any workflow of your team."
          />
        ) : (
          <div className="overflow-hidden rounded-lg border border-border shadow-card">
            <div className="grid grid-cols-[1fr_6rem_8rem_11rem_3rem] items-center gap-3 border-b border-border bg-subtle px-4 py-2.5 text-xs font-medium text-muted-foreground">
              <span>Item</span>
              <span>Kind</span>
              <span>Version</span>
              <span>Last shared</span>
              <span className="sr-only">Actions</span>
            </div>
            <ul aria-label="Library items" className="divide-y divide-border">
              {items.map((item) => (
                <LibraryRow
                  key={item.id}
                  item={item}
                  expanded={open.has(item.id)}
                  onToggle={() => toggle(item.id)}
                  onRemove={admin ? () => setRemoving(item) : undefined}
                />
              ))}
            </ul>
          </div>
        )}
        {library.hasNextPage ? (
          <div className="mt-3 flex justify-center">
            <Button
              variant="secondary"
              disabled={library.isFetchingNextPage}
              onClick={() => void library.fetchNextPage()}
            >
              {library.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
            </Button>
          </div>
        ) : null}
      </section>

      <Dialog open={removing !== undefined} onOpenChange={(isOpen) => !isOpen && setRemoving(undefined)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Remove “{removing?.name}” from the library?</DialogTitle>
            <DialogDescription>
              All {removing?.versionCount} version{removing?.versionCount === 1 ? "" : "s"} go, for everyone
              in {team.name}. Workflows that use it keep their node, marked “not found in the team library”,
              and cannot run until it is replaced. Runs already started are not affected.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="secondary" onClick={() => setRemoving(undefined)}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              disabled={remove.isPending}
              onClick={() => removing && remove.mutate({ teamId: team.id, itemId: removing.id })}
            >
              {remove.isPending ? <Loader2 className="animate-spin" /> : <Trash2 />}
              Remove from library
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

function LibraryRow({
  item,
  expanded,
  onToggle,
  onRemove,
}: {
  item: LibraryItem;
  expanded: boolean;
  onToggle: () => void;
  onRemove?: () => void;
}) {
  const latest = item.versions[0];
  const KindIcon = item.kind === "http" ? Globe : item.kind === "agent" ? Bot : Code;
  return (
    <li data-testid="library-row" data-name={item.name} data-kind={item.itemKind}>
      <div className="grid grid-cols-[1fr_6rem_8rem_11rem_3rem] items-center gap-3 px-4 py-3 transition-colors hover:bg-subtle">
        <button
          type="button"
          aria-expanded={expanded}
          aria-controls={`versions-${item.id}`}
          onClick={onToggle}
          className="flex min-w-0 items-center gap-3 rounded-sm text-left outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <ChevronRight
            aria-hidden
            className={cn(
              "size-4 shrink-0 text-muted-foreground transition-transform",
              expanded && "rotate-90",
            )}
          />
          <span className="flex size-8 shrink-0 items-center justify-center rounded-md border border-emerald-100 bg-emerald-50 text-emerald-700">
            <KindIcon aria-hidden className="size-4" />
          </span>
          <span className="min-w-0">
            <span className="block truncate font-mono text-sm font-medium">{item.name}</span>
            <span className="block truncate text-xs text-muted-foreground">
              {item.description || "No description"}
            </span>
          </span>
        </button>
        <span>
          <span className="inline-flex items-center rounded-full border border-border bg-subtle px-2 py-0.5 text-xs font-medium">
            {item.kind ? kindLabels[item.kind] : "—"}
          </span>
        </span>
        <span className="text-sm">
          v{item.latestVersion}{" "}
          <span className="text-xs text-muted-foreground">
            ({item.versionCount} version{item.versionCount === 1 ? "" : "s"})
          </span>
        </span>
        <span className="min-w-0 text-sm text-muted-foreground">
          {latest ? (
            <>
              <RelativeTime date={latest.createdAt} />
              {latest.createdBy ? (
                <span className="block truncate text-xs">by {latest.createdBy}</span>
              ) : null}
            </>
          ) : null}
        </span>
        {onRemove ? (
          <Button
            variant="ghost"
            size="icon"
            aria-label={`Remove ${item.name}`}
            title="Remove from the library"
            className="text-muted-foreground hover:text-destructive"
            onClick={onRemove}
          >
            <Trash2 />
          </Button>
        ) : (
          <span />
        )}
      </div>
      {expanded ? (
        <ol
          id={`versions-${item.id}`}
          aria-label={`Versions of ${item.name}`}
          className="space-y-2 border-t border-border bg-subtle px-4 py-3 pl-[4.25rem]"
        >
          {item.versions.map((v) => (
            <li
              key={v.version}
              data-testid="library-version-row"
              className="flex items-baseline gap-3 text-sm"
            >
              <span className="w-10 shrink-0 font-mono text-xs font-medium">v{v.version}</span>
              <span className="min-w-0 flex-1">
                {v.message ? v.message : <span className="text-muted-foreground italic">No message</span>}
                <code className="mt-0.5 block truncate font-mono text-xs text-muted-foreground">
                  {v.signature}
                </code>
                {v.secretNames.length > 0 ? (
                  <span className="block text-xs text-muted-foreground">
                    Reads the secret{v.secretNames.length === 1 ? "" : "s"} {v.secretNames.join(", ")}
                  </span>
                ) : null}
              </span>
              <span className="shrink-0 text-xs text-muted-foreground">
                {v.createdBy ? `${v.createdBy}, ` : ""}
                <RelativeTime date={v.createdAt} />
              </span>
            </li>
          ))}
        </ol>
      ) : null}
    </li>
  );
}
