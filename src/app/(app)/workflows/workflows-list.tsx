"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Copy, Loader2, MoreHorizontal, Pencil, Plus, Trash2, Workflow } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { PageHeader } from "~/components/layout/page-header";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { EmptyState } from "~/components/ui/empty-state";
import { RelativeTime } from "~/components/ui/relative-time";
import { SearchInput, useDebouncedValue } from "~/components/ui/search-input";
import { toast } from "~/components/ui/toaster";
import { errorMessageOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { sameNameNote, WorkflowNameDialog } from "./workflow-name-dialog";

type WorkflowSummary = RouterOutputs["workflow"]["list"]["items"][number];

/** The workflows of the current team, with search, create, open, rename, duplicate and delete. */
export function WorkflowsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const team = useCurrentTeam();
  const [search, setSearch] = useState("");
  const words = useDebouncedValue(search.trim());
  const listOptions = trpc.workflow.list.infiniteQueryOptions(
    { teamId: team.id, ...(words ? { search: words } : {}) },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const workflows = useInfiniteQuery(listOptions);
  const items = workflows.data?.pages.flatMap((page) => page.items) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.workflow.list.pathKey() });

  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<WorkflowSummary>();
  const [deleting, setDeleting] = useState<WorkflowSummary>();

  const create = useMutation(
    trpc.workflow.create.mutationOptions({
      // A new workflow is empty: open it on the canvas, where the work is.
      onSuccess: async (workflow) => {
        setCreating(false);
        toast.success(`Created "${workflow.name}".${sameNameNote(workflow.sameName)}`);
        await refresh();
        router.push(`/workflows/${workflow.id}`);
      },
    }),
  );
  const rename = useMutation(
    trpc.workflow.rename.mutationOptions({
      onSuccess: async (workflow) => {
        setRenaming(undefined);
        toast.success(`Renamed to "${workflow.name}".${sameNameNote(workflow.sameName)}`);
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.workflow.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Deleted "${deleting?.name}".`);
        setDeleting(undefined);
        await refresh();
      },
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );
  const duplicate = useMutation(
    trpc.workflow.duplicate.mutationOptions({
      onSuccess: async (copy) => {
        toast.success(`Duplicated as "${copy.name}".`);
        await refresh();
      },
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );

  const editable = can(team.role, "edit");
  const newButton = (
    <Button onClick={() => setCreating(true)} disabled={!editable}>
      <Plus /> New workflow
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Workflows"
        description="Teams of agents, tools and models, wired together on a canvas."
        actions={editable ? newButton : null}
      />
      <section className="mt-8">
        <SearchInput
          label="Search workflows"
          placeholder="Name, description or tool"
          className="mb-3 max-w-sm"
          value={search}
          onChange={setSearch}
        />
        {workflows.isPending ? (
          <div className="flex items-center gap-2 py-16 text-sm text-muted-foreground justify-center">
            <Loader2 className="size-4 animate-spin" /> Loading workflows…
          </div>
        ) : workflows.isError ? (
          <p role="alert" className="py-16 text-center text-sm text-destructive">
            Could not load workflows: {workflows.error.message}
          </p>
        ) : items.length === 0 && words ? (
          <p className="py-16 text-center text-sm text-muted-foreground">
            No workflow’s name, description or tools hold “{words}”.
          </p>
        ) : items.length === 0 ? (
          <EmptyState
            icon={Workflow}
            title="No workflows yet"
            description="A workflow is a team of agents with their tools and models. Create one, then design it on the canvas."
            action={editable ? newButton : undefined}
          />
        ) : (
          <div className="overflow-hidden rounded-lg border border-border shadow-card">
            <div className="grid grid-cols-[1fr_12rem_3rem] items-center border-b border-border bg-subtle px-4 py-2.5 text-xs font-medium text-muted-foreground">
              <span>Name</span>
              <span>Last updated</span>
              <span className="sr-only">Actions</span>
            </div>
            <ul aria-label="Workflows" className="divide-y divide-border">
              {items.map((workflow) => (
                <li
                  key={workflow.id}
                  data-testid="workflow-row"
                  className="group grid grid-cols-[1fr_12rem_3rem] items-center px-4 py-3 transition-colors hover:bg-subtle"
                >
                  <Link
                    href={`/workflows/${workflow.id}`}
                    className="flex min-w-0 items-center gap-3 rounded-sm outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  >
                    <span className="flex size-8 shrink-0 items-center justify-center rounded-md border border-indigo-100 bg-indigo-50 text-primary">
                      <Workflow aria-hidden className="size-4" />
                    </span>
                    <span className="truncate text-sm font-medium group-hover:text-primary">
                      {workflow.name}
                    </span>
                  </Link>
                  <RelativeTime date={workflow.updatedAt} className="text-sm text-muted-foreground" />
                  <DropdownMenu>
                    <DropdownMenuTrigger asChild>
                      <Button variant="ghost" size="icon" aria-label={`Actions for ${workflow.name}`}>
                        <MoreHorizontal />
                      </Button>
                    </DropdownMenuTrigger>
                    <DropdownMenuContent align="end">
                      <DropdownMenuItem asChild>
                        <Link href={`/workflows/${workflow.id}`}>
                          <Workflow /> Open
                        </Link>
                      </DropdownMenuItem>
                      <DropdownMenuItem disabled={!editable} onSelect={() => setRenaming(workflow)}>
                        <Pencil /> Rename
                      </DropdownMenuItem>
                      <DropdownMenuItem
                        disabled={!editable || duplicate.isPending}
                        onSelect={() => duplicate.mutate({ workflowId: workflow.id })}
                      >
                        <Copy /> Duplicate
                      </DropdownMenuItem>
                      <DropdownMenuSeparator />
                      <DropdownMenuItem
                        destructive
                        disabled={!editable}
                        onSelect={() => setDeleting(workflow)}
                      >
                        <Trash2 /> Delete
                      </DropdownMenuItem>
                    </DropdownMenuContent>
                  </DropdownMenu>
                </li>
              ))}
            </ul>
          </div>
        )}
        {workflows.hasNextPage ? (
          <div className="mt-3 flex justify-center">
            <Button
              variant="secondary"
              disabled={workflows.isFetchingNextPage}
              onClick={() => void workflows.fetchNextPage()}
            >
              {workflows.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
            </Button>
          </div>
        ) : null}
      </section>

      <WorkflowNameDialog
        open={creating}
        onOpenChange={(open) => {
          setCreating(open);
          if (!open) create.reset();
        }}
        title="New workflow"
        description="Name it after the job it does. You can change this later."
        submitLabel="Create workflow"
        pending={create.isPending}
        serverError={create.error ? errorMessageOf(create.error) : undefined}
        takenNames={items.map((workflow) => workflow.name)}
        onSubmit={(name) => create.mutate({ teamId: team.id, name })}
      />
      <WorkflowNameDialog
        open={renaming !== undefined}
        onOpenChange={(open) => {
          if (!open) {
            setRenaming(undefined);
            rename.reset();
          }
        }}
        title="Rename workflow"
        description="The new name shows everywhere this workflow appears."
        submitLabel="Rename"
        initialName={renaming?.name}
        pending={rename.isPending}
        serverError={rename.error ? errorMessageOf(rename.error) : undefined}
        takenNames={items.filter((workflow) => workflow.id !== renaming?.id).map((workflow) => workflow.name)}
        onSubmit={(name) => renaming && rename.mutate({ workflowId: renaming.id, name })}
      />
      <Dialog open={deleting !== undefined} onOpenChange={(open) => !open && setDeleting(undefined)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Delete “{deleting?.name}”?</DialogTitle>
            <DialogDescription>
              The workflow, its saved versions and its canvas are removed for everyone in {team.name}. This
              cannot be undone.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="secondary" onClick={() => setDeleting(undefined)}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              disabled={remove.isPending}
              onClick={() => deleting && remove.mutate({ workflowId: deleting.id })}
            >
              {remove.isPending ? <Loader2 className="animate-spin" /> : <Trash2 />}
              Delete workflow
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}
