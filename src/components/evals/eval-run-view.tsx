"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { ArrowLeft, ChevronDown, ChevronRight, CircleAlert, Loader2, Square } from "lucide-react";
import Link from "next/link";
import { Fragment, useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { useConfirm } from "~/components/ui/confirm-dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { RelativeTime } from "~/components/ui/relative-time";
import { toast } from "~/components/ui/toaster";
import type { EvalSummary } from "~/eval/run-test-set";
import { errorMessageOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import {
  answerText,
  EvalStatusBadge,
  evalFinished,
  formatPassRate,
  td,
  th,
  VerdictBadge,
  versionLabel,
} from "./eval-parts";

type EvalData = RouterOutputs["evaluation"]["getEval"];
type EvalCaseRow = EvalData["cases"][number];

const caseStatusLabels: Record<string, string> = {
  pending: "Waiting",
  running: "Running",
  scoring: "Scoring",
  done: "Done",
  not_run: "Not run",
};

/**
 * One evaluation, live: polled every second while it is queued or running. A progress bar, the
 * summary figures, cancel, and per case its verdict, each check's result and reason, the answer,
 * why it failed (a replay's divergence in words) and its run.
 */
export function EvalRunView({ evalId }: { evalId: string }) {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const evaluation = useQuery(
    trpc.evaluation.getEval.queryOptions(
      { id: evalId },
      {
        refetchInterval: (query) =>
          query.state.data && evalFinished(query.state.data.status) ? false : 1000,
      },
    ),
  );
  const [confirm, confirmDialog] = useConfirm();
  const cancel = useMutation(
    trpc.evaluation.cancelEval.mutationOptions({
      onSuccess: () => {
        toast.success("Cancelling the evaluation…");
        void evaluation.refetch();
      },
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );

  if (evaluation.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading the evaluation…
      </div>
    );
  }
  if (evaluation.isError) {
    return (
      <EmptyState
        icon={CircleAlert}
        title="This evaluation could not be loaded"
        description={evaluation.error.message}
        action={
          <Button asChild variant="secondary">
            <Link href="/evals">
              <ArrowLeft /> Back to evaluations
            </Link>
          </Button>
        }
      />
    );
  }
  const data = evaluation.data;
  const finished = evalFinished(data.status);
  const progress = data.casesTotal ? data.casesDone / data.casesTotal : 0;

  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link
          href={`/evals/sets/${data.testSetId}`}
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ArrowLeft className="size-3.5" /> {data.testSetName}
        </Link>
        <div className="mt-2 flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="text-2xl font-semibold tracking-tight">
                {data.workflowName} {versionLabel(data.versionNumber)}
              </h1>
              <EvalStatusBadge status={data.status} />
            </div>
            <p className="mt-1 text-sm text-muted-foreground">
              on “{data.testSetName}” · {data.concurrency} at once
              {data.maxCostUsd !== null ? ` · cost cap ${formatCost(data.maxCostUsd)}` : ""} · started{" "}
              <RelativeTime date={data.createdAt} />
            </p>
          </div>
          {!finished && can(team.role, "run") ? (
            <Button
              variant="destructive"
              size="sm"
              disabled={cancel.isPending}
              onClick={async () => {
                const yes = await confirm({
                  title: "Cancel this evaluation?",
                  description:
                    "Cases not started yet will not run and the runs under way are cancelled; cases already scored keep their results.",
                  confirmLabel: "Cancel evaluation",
                  destructive: true,
                });
                if (yes) cancel.mutate({ id: evalId });
              }}
            >
              {cancel.isPending ? <Loader2 className="animate-spin" /> : <Square />} Cancel evaluation
            </Button>
          ) : null}
        </div>
      </div>

      <div>
        <div className="flex items-baseline justify-between text-sm">
          <span className="font-medium">
            {data.casesDone} of {data.casesTotal} cases done
          </span>
          {data.stoppedByCostCap ? <span className="text-amber-700">stopped by the cost cap</span> : null}
        </div>
        <div
          role="progressbar"
          aria-label="Cases done"
          aria-valuemin={0}
          aria-valuemax={data.casesTotal}
          aria-valuenow={data.casesDone}
          className="mt-1.5 h-2 overflow-hidden rounded-full bg-muted"
        >
          <div
            className="h-full rounded-full bg-primary transition-[width]"
            style={{ width: `${Math.round(progress * 100)}%` }}
          />
        </div>
      </div>

      {data.error ? (
        <div
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
        >
          {data.error}
        </div>
      ) : null}

      <SummaryFigures summary={data.summary} spentUsd={data.spentUsd} />

      <section aria-label="Cases" className="flex flex-col gap-2">
        <h2 className="text-base font-semibold">Cases</h2>
        <Card className="overflow-x-auto p-0">
          <table className="w-full">
            <thead className="border-b border-border bg-subtle">
              <tr>
                <th className={th}>Case</th>
                <th className={th}>Status</th>
                <th className={th}>Result</th>
                <th className={th}>Answer</th>
                <th className={th}>Run</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {data.cases.map((row) => (
                <CaseResultRow key={row.key} row={row} />
              ))}
            </tbody>
          </table>
        </Card>
      </section>
      {confirmDialog}
    </div>
  );
}

/** The evaluation's figures so far: pass rate, cost (judges apart), tokens, latency and steps. */
function SummaryFigures({ summary, spentUsd }: { summary: EvalSummary | null; spentUsd: number }) {
  const figures: [string, string, string][] = [
    [
      "pass-rate",
      "Pass rate",
      summary ? `${formatPassRate(summary.passRate)} (${summary.passed}/${summary.cases})` : "–",
    ],
    ["cost", "Cost", summary ? formatCost(summary.costUsd) : formatCost(spentUsd)],
    ["judge-cost", "Judges", summary ? formatCost(summary.judgeCostUsd) : "–"],
    ["tokens", "Tokens", summary ? formatTokens(summary.inputTokens + summary.outputTokens) : "–"],
    ["latency-p50", "Latency p50", summary ? formatDuration(summary.latencyP50Ms) : "–"],
    ["latency-p95", "Latency p95", summary ? formatDuration(summary.latencyP95Ms) : "–"],
    ["steps", "Steps", summary ? String(summary.steps) : "–"],
  ];
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
      {figures.map(([id, label, value]) => (
        <Card key={id} className="px-4 py-3" data-testid={`figure-${id}`}>
          <p className="text-xs text-muted-foreground">{label}</p>
          <p className="mt-0.5 whitespace-nowrap text-lg font-semibold tabular-nums">{value}</p>
        </Card>
      ))}
    </div>
  );
}

function CaseResultRow({ row }: { row: EvalCaseRow }) {
  const [open, setOpen] = useState(false);
  const result = row.result;
  const done = row.status === "done" || row.status === "not_run";
  return (
    <Fragment>
      <tr data-testid="eval-case-row" data-key={row.key} data-status={row.status}>
        <td className={td}>
          <button
            type="button"
            className="flex items-start gap-1 text-left"
            aria-expanded={open}
            onClick={() => setOpen((value) => !value)}
          >
            {open ? (
              <ChevronDown className="mt-0.5 size-4 shrink-0" />
            ) : (
              <ChevronRight className="mt-0.5 size-4 shrink-0" />
            )}
            <span>
              <span className="font-mono text-xs">{row.key}</span>
              {result?.replayed ? (
                <span className="ml-1.5 rounded-full border border-violet-200 bg-violet-50 px-1.5 text-[11px] text-violet-700">
                  replay
                </span>
              ) : null}
              <span className="line-clamp-1 text-xs text-muted-foreground">{row.task}</span>
            </span>
          </button>
        </td>
        <td className={`${td} whitespace-nowrap`}>
          {row.status === "running" || row.status === "scoring" ? (
            <Loader2 aria-hidden className="mr-1 inline size-3.5 animate-spin text-indigo-600" />
          ) : null}
          {caseStatusLabels[row.status] ?? row.status}
        </td>
        <td className={td}>
          <VerdictBadge passed={done ? (row.passed ?? false) : null} />
          {result?.checks.length ? (
            <ul className="mt-1 flex flex-col gap-0.5 text-xs">
              {result.checks.map((check, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: check results are in the case's check order
                <li key={index} data-testid="check-result" data-passed={check.passed}>
                  <span className={check.passed ? "text-green-700" : "text-red-700"}>
                    {check.passed ? "✓" : "✗"} {check.label}
                  </span>
                  {!check.passed ? <span className="text-muted-foreground"> — {check.reason}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </td>
        <td className={`${td} max-w-sm`}>
          <p className="line-clamp-2 whitespace-pre-wrap text-xs" data-testid="case-answer">
            {answerText(result?.answer)}
          </p>
        </td>
        <td className={td}>
          {row.runId ? (
            <Link href={`/runs/${row.runId}`} className="text-xs text-primary hover:underline">
              open run
            </Link>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr className="bg-subtle">
          <td colSpan={5} className="px-6 py-3 text-sm">
            <CaseDetail row={row} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

function CaseDetail({ row }: { row: EvalCaseRow }) {
  const result = row.result;
  if (!result) return <p className="text-muted-foreground">No result yet.</p>;
  return (
    <div className="flex flex-col gap-3">
      {result.failures.length ? (
        <div>
          <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">Why it failed</p>
          <ul className="mt-1 list-disc pl-5 text-sm text-red-800" data-testid="case-failures">
            {result.failures.map((failure) => (
              <li key={failure}>{failure}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {result.checks.length ? (
        <div>
          <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">Checks</p>
          <ul className="mt-1 flex flex-col gap-1 text-sm">
            {result.checks.map((check, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: check results are in the case's check order
              <li key={index}>
                <span className={check.passed ? "text-green-700" : "text-red-700"}>
                  {check.passed ? "passed" : "failed"}
                </span>{" "}
                <span className="font-medium">{check.label}</span>: {check.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div>
        <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">Answer</p>
        <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap rounded-md border border-border bg-background p-2 text-xs">
          {answerText(result.answer) || "(no answer)"}
        </pre>
      </div>
      <p className="text-xs text-muted-foreground">
        {result.replayed ? "Replayed from its recording · " : ""}
        {result.steps} step{result.steps === 1 ? "" : "s"} ·{" "}
        {formatTokens(result.inputTokens + result.outputTokens)} tokens · {formatCost(result.costUsd)}
        {result.judge.costUsd ? ` + judges ${formatCost(result.judge.costUsd)}` : ""} ·{" "}
        {formatDuration(result.latencyMs)}
      </p>
    </div>
  );
}
