"use client";

import { useMutation } from "@tanstack/react-query";
import { Loader2, Play } from "lucide-react";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { DEMO_TASK, DEMO_WORKFLOW_NAME } from "~/lib/demo-run";
import type { PickedMedia } from "~/lib/run-media";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { RunMediaPicker } from "./run-media-picker";

type TeamLimits = RouterOutputs["team"]["limits"];

/**
 * The canvas's Run button and its dialog: asks for the task (prefilled for the demo workflow) and
 * optional images and audio, saves
 * pending canvas edits, starts the run and opens its live page. The team's limits, once loaded, are
 * shown beside the fields they bound.
 */
export function StartRunDialog({
  workflowId,
  workflowName,
  disabled,
  beforeStart,
  limits,
}: {
  workflowId: string;
  workflowName: string;
  disabled?: boolean;
  /** Save the canvas first; a false result stops the start. */
  beforeStart?: () => Promise<unknown>;
  limits?: TeamLimits;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [task, setTask] = useState(workflowName === DEMO_WORKFLOW_NAME ? DEMO_TASK : "");
  const [timeLimit, setTimeLimit] = useState("");
  const [costCap, setCostCap] = useState("");
  const [media, setMedia] = useState<PickedMedia[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const start = useMutation(
    trpc.run.start.mutationOptions({
      onSuccess: ({ runId }) => {
        setOpen(false);
        router.push(`/runs/${runId}`);
      },
      onError: (failure) => setError(failure.message),
    }),
  );
  const pending = saving || start.isPending || start.isSuccess;

  const submit = async () => {
    setError(null);
    if (!task.trim()) return setError("Give the run a task.");
    const seconds = timeLimit.trim() ? Number(timeLimit) : undefined;
    const maxSeconds = limits?.maxTimeLimitSeconds ?? 86_400;
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 5 || seconds > maxSeconds)) {
      return setError(
        `The time limit is a whole number of seconds from 5 to ${maxSeconds.toLocaleString("en-US")}.`,
      );
    }
    const cap = costCap.trim() ? Number(costCap) : undefined;
    if (cap !== undefined && (!Number.isFinite(cap) || cap <= 0 || cap > 10_000)) {
      return setError("The cost cap is an amount in USD above 0 and at most 10,000.");
    }
    const images = media.filter((file) => file.kind === "image").map((file) => file.dataUri);
    const audio = media.filter((file) => file.kind === "audio").map((file) => file.dataUri);
    setSaving(true);
    try {
      if ((await beforeStart?.()) === false)
        return setError("The canvas could not be saved, so the run was not started.");
    } finally {
      setSaving(false);
    }
    start.mutate({
      workflowId,
      task: task.trim(),
      ...(seconds !== undefined ? { timeLimitSeconds: seconds } : {}),
      ...(cap !== undefined ? { costCapUsd: cap } : {}),
      ...(images.length ? { images } : {}),
      ...(audio.length ? { audio } : {}),
    });
  };

  return (
    <>
      <Button size="sm" disabled={disabled} onClick={() => setOpen(true)} data-testid="run-button">
        <Play /> Run
      </Button>
      <Dialog
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) {
            setError(null);
            start.reset();
          }
        }}
      >
        <DialogContent className="max-w-lg">
          <DialogHeader>
            <DialogTitle>Run “{workflowName}”</DialogTitle>
            <DialogDescription>
              The run uses the canvas as it is now. Its steps, tokens and cost stream live on the run page.
            </DialogDescription>
          </DialogHeader>
          <form
            className="flex flex-col gap-4"
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <div className="flex flex-col gap-1.5">
              <label htmlFor={`${ids}-task`} className="text-sm font-medium">
                Task
              </label>
              <textarea
                id={`${ids}-task`}
                value={task}
                onChange={(event) => setTask(event.currentTarget.value)}
                rows={4}
                maxLength={20_000}
                placeholder="What should the agents do?"
                className="rounded-md border border-input bg-background px-3 py-2 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30"
              />
              {workflowName === DEMO_WORKFLOW_NAME ? (
                <p className="text-xs text-muted-foreground">
                  The demo plays recorded model answers written for this task, so it runs without API keys.
                </p>
              ) : null}
            </div>
            <RunMediaPicker files={media} onChange={setMedia} disabled={pending} />
            <div className="grid grid-cols-2 gap-3">
              <div className="flex flex-col gap-1.5">
                <label htmlFor={`${ids}-limit`} className="text-sm font-medium">
                  Time limit (s)
                </label>
                <Input
                  id={`${ids}-limit`}
                  inputMode="numeric"
                  placeholder={String(limits?.defaultTimeLimitSeconds ?? 900)}
                  value={timeLimit}
                  onChange={(event) => setTimeLimit(event.currentTarget.value)}
                />
                {limits ? (
                  <p className="text-xs text-muted-foreground">
                    At most {limits.maxTimeLimitSeconds.toLocaleString("en-US")} s.
                  </p>
                ) : null}
              </div>
              <div className="flex flex-col gap-1.5">
                <label htmlFor={`${ids}-cap`} className="text-sm font-medium">
                  Cost cap (USD)
                </label>
                <Input
                  id={`${ids}-cap`}
                  inputMode="decimal"
                  placeholder={limits ? limits.defaultCostCapUsd.toFixed(2) : ""}
                  value={costCap}
                  onChange={(event) => setCostCap(event.currentTarget.value)}
                />
                {limits ? (
                  <p className="text-xs text-muted-foreground">
                    Every run also stops at {limits.tokenCap.toLocaleString("en-US")} tokens.
                  </p>
                ) : null}
              </div>
            </div>
            {limits ? (
              <p className="text-xs text-muted-foreground" data-testid="team-run-limits">
                Your team may have {limits.maxConcurrentRuns} runs in progress at once and start{" "}
                {limits.maxRunsPerHour} per hour.
              </p>
            ) : null}
            {error ? (
              <p role="alert" className="text-sm text-destructive">
                {error}
              </p>
            ) : null}
            <DialogFooter>
              <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending}>
                {pending ? <Loader2 className="animate-spin" /> : <Play />} Start run
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}
