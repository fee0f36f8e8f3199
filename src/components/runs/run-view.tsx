"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ArrowLeft,
  CircleAlert,
  Loader2,
  Pause,
  Play,
  Radio,
  Send,
  Square,
  Wifi,
  WifiOff,
} from "lucide-react";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { RunSourceBadge } from "~/components/publish/run-source-badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { cn } from "~/components/ui/cn";
import { EmptyState } from "~/components/ui/empty-state";
import { toast } from "~/components/ui/toaster";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import { REPLAY_SPEEDS, type ReplaySpeed, replayDuration, replayVisibleCount } from "~/lib/run-replay";
import { isTerminal } from "~/lib/run-status";
import { buildTimeline } from "~/lib/run-timeline";
import { accumulateUsage, emptyUsage } from "~/lib/run-usage";
import { useTRPC } from "~/trpc/react";
import { PRICE_TABLE_HREF } from "./price-table";
import { RunStatusBadge } from "./run-status-badge";
import { RunTimeline, showValue } from "./run-timeline";
import { useRunEvents } from "./use-run-events";

type Replay = { playing: boolean; speed: ReplaySpeed; elapsedMs: number };

/**
 * One run, live: status, counters (tokens and cost folded from the events with the worker's own
 * accounting), the timeline, cancel, a reply box while the run waits for input, and a replay of
 * finished runs at their original timing (×1, ×4, ×16).
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

  const [replay, setReplay] = useState<Replay | null>(null);
  const total = replayDuration(live.events);
  useEffect(() => {
    if (!replay?.playing) return;
    const tick = 50;
    const timer = setInterval(() => {
      setReplay((current) => {
        if (!current?.playing) return current;
        const elapsedMs = current.elapsedMs + tick * current.speed;
        return elapsedMs >= total
          ? { ...current, elapsedMs: total, playing: false }
          : { ...current, elapsedMs };
      });
    }, tick);
    return () => clearInterval(timer);
  }, [replay?.playing, total]);

  const shown = useMemo(
    () => (replay ? live.events.slice(0, replayVisibleCount(live.events, replay.elapsedMs)) : live.events),
    [live.events, replay],
  );
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

  const cancel = useMutation(
    trpc.run.cancel.mutationOptions({
      onSuccess: (result) =>
        toast.success(result.status === "cancelled" ? "Run cancelled." : "Cancelling the run…"),
      onError: (error) => toast.error(error.message),
    }),
  );

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
  const canEdit = data.role !== "viewer";
  const endError = live.statusError ?? data.error;

  return (
    <div className="flex flex-col gap-6">
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
              <ConnectionNote connected={live.connected} finished={finished} />
            </div>
            <p className="mt-1.5 max-w-3xl whitespace-pre-wrap text-sm text-muted-foreground">{data.task}</p>
            <RunMedia images={data.media.images} audio={data.media.audio} />
          </div>
          <div className="flex items-center gap-2">
            {data.workflowId ? (
              <Button asChild variant="secondary" size="sm">
                <Link href={`/workflows/${data.workflowId}`}>Open workflow</Link>
              </Button>
            ) : null}
            {!finished && canEdit ? (
              <Button
                variant="destructive"
                size="sm"
                disabled={cancel.isPending || cancel.data?.status === "cancelling"}
                onClick={() => cancel.mutate({ runId })}
              >
                {cancel.isPending || cancel.data?.status === "cancelling" ? (
                  <Loader2 className="animate-spin" />
                ) : (
                  <Square />
                )}
                Cancel run
              </Button>
            ) : null}
          </div>
        </div>
      </div>

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
        <Counter label="Steps" testId="counter-steps" value={String(timeline.counts.step_started ?? 0)}>
          {timeline.counts.code_action ?? 0} code · {timeline.counts.tool_call ?? 0} tool calls
        </Counter>
      </div>

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
        <aside className="flex flex-col gap-3">
          <Card>
            <CardContent className="px-4 py-3">
              <h2 className="text-xs font-semibold uppercase tracking-wide text-muted-foreground">
                By agent
              </h2>
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
                <dd>{live.events.length}</dd>
              </dl>
            </CardContent>
          </Card>
        </aside>
      </div>
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
  children: React.ReactNode;
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

/** The images (thumbnails, opening full size) and audio (players) given with the run's task. */
function RunMedia({ images, audio }: { images: string[]; audio: string[] }) {
  if (images.length === 0 && audio.length === 0) return null;
  return (
    <ul
      className="mt-2 flex flex-wrap items-center gap-2"
      aria-label="Files given with the task"
      data-testid="run-media"
    >
      {images.map((image, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same image may be given twice
        <li key={`image-${index}`}>
          <a href={image} target="_blank" rel="noreferrer noopener" title={`Image ${index + 1}`}>
            {/* biome-ignore lint/performance/noImgElement: data URIs and arbitrary hosts */}
            <img
              src={image}
              alt={`File ${index + 1} given with the task`}
              data-testid="run-media-image"
              className="size-20 rounded-md border border-border object-cover"
            />
          </a>
        </li>
      ))}
      {audio.map((clip, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same clip may be given twice
        <li key={`audio-${index}`}>
          {/* biome-ignore lint/a11y/useMediaCaption: recordings given by the user */}
          <audio
            controls
            src={clip}
            data-testid="run-media-audio"
            aria-label={`Audio ${index + 1} given with the task`}
          />
        </li>
      ))}
    </ul>
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

function ReplayBar({
  replay,
  total,
  onChange,
}: {
  replay: Replay | null;
  total: number;
  onChange: (replay: Replay | null) => void;
}) {
  const [idleSpeed, setIdleSpeed] = useState<ReplaySpeed>(1);
  const speed = replay?.speed ?? idleSpeed;
  return (
    <div
      data-testid="replay-bar"
      className="flex flex-wrap items-center gap-3 rounded-lg border border-border bg-subtle px-4 py-2.5 text-sm"
    >
      {replay?.playing ? (
        <Button size="sm" variant="secondary" onClick={() => onChange({ ...replay, playing: false })}>
          <Pause /> Pause
        </Button>
      ) : (
        <Button
          size="sm"
          variant="secondary"
          onClick={() =>
            onChange({
              speed,
              playing: true,
              elapsedMs: replay && replay.elapsedMs < total ? replay.elapsedMs : 0,
            })
          }
        >
          <Play /> {replay ? "Play" : "Replay"}
        </Button>
      )}
      <fieldset className="flex items-center gap-1" aria-label="Replay speed">
        {REPLAY_SPEEDS.map((option) => (
          <button
            key={option}
            type="button"
            aria-pressed={speed === option}
            onClick={() => {
              setIdleSpeed(option);
              if (replay) onChange({ ...replay, speed: option });
            }}
            className={cn(
              "rounded px-2 py-0.5 text-xs font-medium",
              speed === option ? "bg-foreground text-background" : "text-muted-foreground hover:bg-muted",
            )}
          >
            ×{option}
          </button>
        ))}
      </fieldset>
      <input
        type="range"
        aria-label="Replay position"
        min={0}
        max={Math.max(total, 1)}
        value={replay?.elapsedMs ?? total}
        onChange={(event) =>
          onChange({ playing: false, speed, elapsedMs: Number(event.currentTarget.value) })
        }
        className="min-w-40 flex-1 accent-indigo-600"
      />
      <span className="tabular-nums text-xs text-muted-foreground">
        {formatDuration(replay?.elapsedMs ?? total)} / {formatDuration(total)}
      </span>
      {replay ? (
        <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
          <Wifi /> Show all
        </Button>
      ) : null}
    </div>
  );
}

function ReplyBox({ runId, requestId, question }: { runId: string; requestId: string; question: string }) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const reply = useMutation(
    trpc.run.reply.mutationOptions({
      onSuccess: () => {
        setText("");
        toast.success("Answer sent.");
      },
      onError: (error) => toast.error(error.message),
    }),
  );
  return (
    <form
      data-testid="reply-box"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) reply.mutate({ runId, requestId, text });
      }}
    >
      <label htmlFor="run-reply" className="text-sm font-medium text-amber-900">
        The run asks: {question}
      </label>
      <div className="mt-2 flex gap-2">
        <textarea
          id="run-reply"
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          rows={2}
          className="min-h-9 flex-1 rounded-md border border-input bg-background px-3 py-2 text-sm outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30"
          placeholder="Your answer"
        />
        <Button type="submit" disabled={reply.isPending || !text.trim()}>
          {reply.isPending ? <Loader2 className="animate-spin" /> : <Send />} Send
        </Button>
      </div>
    </form>
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
