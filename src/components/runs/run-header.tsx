"use client";

import { useMutation } from "@tanstack/react-query";
import { ArrowLeft, Loader2, Radio, Square, WifiOff } from "lucide-react";
import Link from "next/link";
import { AddToTestSetButton } from "~/components/evals/add-to-test-set-dialog";
import { RunSourceBadge } from "~/components/publish/run-source-badge";
import { Button } from "~/components/ui/button";
import { useConfirm } from "~/components/ui/confirm-dialog";
import { toast } from "~/components/ui/toaster";
import { errorMessageOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { RunMedia } from "./run-media";
import { RunStatusBadge } from "./run-status-badge";

type RunData = RouterOutputs["run"]["get"];

/**
 * The top of a run's page: its workflow, status, source, task and files, the way back, "Open workflow",
 * "Add to test set" once it has ended, and "Cancel run" (which asks first: a cancelled run cannot be resumed).
 */
export function RunHeader({
  runId,
  data,
  status,
  finished,
  connected,
}: {
  runId: string;
  data: RunData;
  status: string;
  finished: boolean;
  connected: boolean;
}) {
  const trpc = useTRPC();
  const [confirm, confirmDialog] = useConfirm();
  const cancel = useMutation(
    trpc.run.cancel.mutationOptions({
      onSuccess: (result) =>
        toast.success(result.status === "cancelled" ? "Run cancelled." : "Cancelling the run…"),
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );
  const canEdit = can(data.role, "run");
  const cancelling = cancel.isPending || cancel.data?.status === "cancelling";
  const askAndCancel = async () => {
    const yes = await confirm({
      title: "Cancel this run?",
      description:
        "The run stops after the step under way; what it did so far stays on this page. A cancelled run cannot be resumed.",
      confirmLabel: "Cancel run",
      destructive: true,
    });
    if (yes) cancel.mutate({ runId });
  };

  return (
    <div>
      <Link
        href="/runs"
        className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-3.5" /> Runs
      </Link>
      <div className="mt-2 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="truncate text-2xl font-semibold tracking-tight">
              {data.workflow?.name ?? "Deleted workflow"}
            </h1>
            <RunStatusBadge status={status} />
            <RunSourceBadge
              source={data.source}
              apiKeyName={data.apiKey?.name}
              endpointSlug={data.endpoint?.slug}
            />
            {data.endpoint ? (
              <Link
                href={`/endpoints/${data.endpoint.id}`}
                className="font-mono text-xs text-muted-foreground hover:text-primary"
              >
                /{data.endpoint.slug}
              </Link>
            ) : null}
            <ConnectionNote connected={connected} finished={finished} />
          </div>
          <p className="mt-1.5 max-w-3xl whitespace-pre-wrap text-sm text-muted-foreground">{data.task}</p>
          <RunMedia images={data.media.images} audio={data.media.audio} />
        </div>
        <div className="flex items-center gap-2">
          {finished && can(data.role, "edit") ? (
            <AddToTestSetButton runId={runId} teamId={data.teamId} task={data.task} output={data.output} />
          ) : null}
          {data.workflowId ? (
            <Button asChild variant="secondary" size="sm">
              <Link href={`/workflows/${data.workflowId}`}>Open workflow</Link>
            </Button>
          ) : null}
          {!finished && canEdit ? (
            <Button variant="destructive" size="sm" disabled={cancelling} onClick={() => void askAndCancel()}>
              {cancelling ? <Loader2 className="animate-spin" /> : <Square />}
              Cancel run
            </Button>
          ) : null}
        </div>
      </div>
      {confirmDialog}
    </div>
  );
}

function ConnectionNote({ connected, finished }: { connected: boolean; finished: boolean }) {
  if (finished) return null;
  return connected ? (
    <span className="inline-flex items-center gap-1 text-xs text-green-700">
      <Radio className="size-3.5" aria-hidden /> live
    </span>
  ) : (
    <span className="inline-flex items-center gap-1 text-xs text-muted-foreground">
      <WifiOff className="size-3.5" aria-hidden /> reconnecting…
    </span>
  );
}
