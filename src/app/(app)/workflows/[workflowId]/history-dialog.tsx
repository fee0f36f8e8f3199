"use client";

import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { History, Loader2, RotateCcw } from "lucide-react";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { relativeTime } from "~/components/ui/relative-time";
import { toast } from "~/components/ui/toaster";
import type { WorkflowDocument } from "~/graph";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type Restored = RouterOutputs["workflow"]["restoreVersion"];

/** The workflow's versions, newest first, each restorable into the working copy. */
export function HistoryDialog({
  workflowId,
  open,
  onOpenChange,
  readOnly,
  beforeRestore,
  revision,
  onRestored,
}: {
  workflowId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  readOnly: boolean;
  /** Asks the person and saves pending edits; false stops the restore. */
  beforeRestore: (versionNumber: number) => Promise<boolean>;
  revision: () => number;
  onRestored: (restored: Restored & { graph: WorkflowDocument }) => void;
}) {
  const trpc = useTRPC();
  const versions = useInfiniteQuery({
    ...trpc.workflow.listVersions.infiniteQueryOptions(
      { workflowId },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    enabled: open,
  });
  const items = versions.data?.pages.flatMap((page) => page.items) ?? [];
  const restore = useMutation(
    trpc.workflow.restoreVersion.mutationOptions({
      onSuccess: (restored) => {
        onRestored(restored);
        onOpenChange(false);
        toast.success(`Restored version ${restored.number}.`);
      },
      onError: (error) => toast.error(error.message),
    }),
  );
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-lg">
        <DialogHeader>
          <DialogTitle>History</DialogTitle>
          <DialogDescription>
            Saved versions are immutable. Restoring one replaces the working copy; Ctrl+Z (Undo) on the canvas
            brings the previous graph back.
          </DialogDescription>
        </DialogHeader>
        {versions.isLoading ? (
          <Loader2 className="mx-auto size-5 animate-spin text-muted-foreground" />
        ) : items.length > 0 ? (
          <ul
            className="max-h-80 divide-y divide-border overflow-y-auto rounded-md border border-border"
            data-testid="version-list"
          >
            {items.map((v) => (
              <li key={v.id} className="flex items-center gap-3 px-3 py-2">
                <span className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">v{v.number}</span>
                <span className="min-w-0 flex-1">
                  <span className="block truncate text-sm">
                    {v.message || <em className="text-muted-foreground">No message</em>}
                  </span>
                  <span className="block text-xs text-muted-foreground">
                    {relativeTime(new Date(v.createdAt))}
                    {v.createdBy ? ` · ${v.createdBy}` : ""}
                  </span>
                </span>
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={readOnly || restore.isPending}
                  onClick={async () => {
                    if (!(await beforeRestore(v.number))) return;
                    restore.mutate({ workflowId, versionId: v.id, revision: revision() });
                  }}
                >
                  <RotateCcw /> Restore
                </Button>
              </li>
            ))}
            {versions.hasNextPage ? (
              <li className="flex justify-center px-3 py-2">
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={versions.isFetchingNextPage}
                  onClick={() => void versions.fetchNextPage()}
                >
                  {versions.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
                </Button>
              </li>
            ) : null}
          </ul>
        ) : (
          <div className="flex flex-col items-center gap-2 py-6 text-sm text-muted-foreground">
            <History className="size-5" />
            No versions yet. Use “Save version” to freeze the current graph.
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
