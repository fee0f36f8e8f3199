"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, CircleAlert, Loader2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import { EmptyState } from "~/components/ui/empty-state";
import { can } from "~/lib/permissions";
import { isTerminal } from "~/lib/run-status";
import { buildTimeline } from "~/lib/run-timeline";
import { accumulateUsage, emptyUsage } from "~/lib/run-usage";
import { useTRPC } from "~/trpc/react";
import { ReplyBox } from "./reply-box";
import { RunCounters } from "./run-counters";
import { RunHeader } from "./run-header";
import { ReplayBar, useRunReplay } from "./run-replay-bar";
import { RunSidePanel } from "./run-side-panel";
import { RunTimeline, showValue } from "./run-timeline";
import { useRunEvents } from "./use-run-events";

/**
 * One run, live: the stored run and its event stream folded into what the page shows. The parts are
 * their own components: the header with cancel (run-header), the counters (tokens and cost with the
 * worker's own accounting, run-counters), the reply box while the run waits for input, the replay of
 * finished runs at their original timing (run-replay-bar), the timeline and the per-agent panel.
 */
export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runOptions = trpc.run.get.queryOptions({ runId });
  const run = useQuery(runOptions);
  const teamId = run.data?.teamId;
  const prices = useQuery(
    trpc.pricing.list.queryOptions(
      { teamId: teamId ?? "" },
      { enabled: teamId !== undefined, staleTime: 60_000 },
    ),
  );
  const live = useRunEvents(runId);
  const status = live.status ?? run.data?.status ?? "queued";
  const finished = isTerminal(status);

  // Fetch the stored totals, output and error once the run has ended.
  const storedStatus = run.data?.status;
  useEffect(() => {
    if (storedStatus && storedStatus !== status) {
      void queryClient.invalidateQueries({ queryKey: runOptions.queryKey });
    }
  }, [status, storedStatus, queryClient, runOptions.queryKey]);

  const { replay, setReplay, total, shown } = useRunReplay(live.events);
  const timeline = useMemo(() => buildTimeline(shown), [shown]);
  const usage = useMemo(
    () => accumulateUsage(emptyUsage(), shown, prices.data?.team ?? []),
    [shown, prices.data?.team],
  );

  const now = useNow(!finished && !replay);
  const firstTs = live.events[0]?.ts;
  const startedAt = run.data?.startedAt?.getTime() ?? firstTs;
  const endedAt = replay
    ? (firstTs ?? 0) + replay.elapsedMs
    : finished
      ? (run.data?.finishedAt?.getTime() ?? live.events.at(-1)?.ts)
      : now;
  const duration = startedAt !== undefined && endedAt !== undefined ? endedAt - startedAt : undefined;

  if (run.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading the run…
      </div>
    );
  }
  if (run.isError) {
    return (
      <EmptyState
        icon={CircleAlert}
        title="This run could not be loaded"
        description={run.error.message}
        action={
          <Button asChild variant="secondary">
            <Link href="/runs">
              <ArrowLeft /> Back to runs
            </Link>
          </Button>
        }
      />
    );
  }
  const data = run.data;
  const canEdit = can(data.role, "run");
  const endError = live.statusError ?? data.error;

  return (
    <div className="flex flex-col gap-6">
      <RunHeader runId={runId} data={data} status={status} finished={finished} connected={live.connected} />
      <RunCounters usage={usage} counts={timeline.counts} duration={duration} finished={finished} />

      {finished && endError && status !== "succeeded" ? (
        <div
          role="alert"
          className={cn(
            "rounded-lg border px-4 py-3 text-sm",
            status === "cancelled"
              ? "border-zinc-200 bg-zinc-50 text-zinc-700"
              : "border-red-200 bg-red-50 text-red-800",
          )}
        >
          {endError}
        </div>
      ) : null}

      {status === "waiting_for_input" && timeline.openQuestion && canEdit && !replay ? (
        <ReplyBox
          runId={runId}
          requestId={timeline.openQuestion.requestId}
          question={timeline.openQuestion.question}
        />
      ) : null}

      {finished && live.events.length > 0 ? (
        <ReplayBar replay={replay} total={total} onChange={setReplay} />
      ) : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_16rem]">
        <div data-testid="run-timeline">
          {timeline.root ? (
            <RunTimeline root={timeline.root} live={!finished || replay !== null} />
          ) : (
            <div className="flex items-center gap-2 rounded-lg border border-dashed border-border px-4 py-10 text-sm text-muted-foreground">
              {finished ? (
                "This run recorded no steps."
              ) : (
                <>
                  <Loader2 className="size-4 animate-spin" /> Waiting for the first step…
                </>
              )}
            </div>
          )}
          {finished &&
          !replay &&
          data.output !== null &&
          data.output !== undefined &&
          !timeline.counts.final_answer ? (
            <p className="mt-4 whitespace-pre-wrap text-sm">{showValue(data.output)}</p>
          ) : null}
        </div>
        <RunSidePanel usage={usage} data={data} eventCount={live.events.length} />
      </div>
    </div>
  );
}

/** The current time, ticking every second while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
