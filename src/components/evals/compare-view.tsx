"use client";

import { useQuery } from "@tanstack/react-query";
import { ArrowLeft, ChevronDown, ChevronRight, CircleAlert, Crown, Link2, Loader2 } from "lucide-react";
import Link from "next/link";
import { Fragment, useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from "recharts";
import { axis, ChartCard } from "~/components/runs/run-charts";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { cn } from "~/components/ui/cn";
import { EmptyState } from "~/components/ui/empty-state";
import { toast } from "~/components/ui/toaster";
import type { ComparedFigure } from "~/eval/compare";
import type { EvalSummary } from "~/eval/run-test-set";
import type { TraceStep } from "~/eval/test-set";
import { formatCost, formatDuration, formatTokens } from "~/lib/run-format";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import {
  answerText,
  EvalStatusBadge,
  evalFinished,
  evalLabel,
  formatPassRate,
  td,
  th,
  VerdictBadge,
} from "./eval-parts";

type CompareData = RouterOutputs["evaluation"]["compare"];
type CaseEntry = CompareData["comparison"]["cases"][number];

/** What the comparison view shows, kept in the URL so a link (or a reload) opens the same view. */
export type CompareViewState = { ids: string[]; onlyDiffering: boolean; openCase: string | null };

/** The URL of a comparison view. */
export function compareHref(state: CompareViewState): string {
  const params = new URLSearchParams({ ids: state.ids.join(",") });
  if (state.onlyDiffering) params.set("only", "differing");
  if (state.openCase) params.set("case", state.openCase);
  return `/evals/compare?${params.toString().replaceAll("%2C", ",")}`;
}

const figureRows: { figure: ComparedFigure; label: string; show: (summary: EvalSummary) => string }[] = [
  {
    figure: "passRate",
    label: "Pass rate",
    show: (s) => `${formatPassRate(s.passRate)} (${s.passed}/${s.cases})`,
  },
  { figure: "costUsd", label: "Cost", show: (s) => preciseCost(s.costUsd) },
  { figure: "inputTokens", label: "Input tokens", show: (s) => formatTokens(s.inputTokens) },
  { figure: "outputTokens", label: "Output tokens", show: (s) => formatTokens(s.outputTokens) },
  { figure: "latencyP50Ms", label: "Latency p50", show: (s) => formatDuration(s.latencyP50Ms) },
  { figure: "latencyP95Ms", label: "Latency p95", show: (s) => formatDuration(s.latencyP95Ms) },
  { figure: "steps", label: "Steps", show: (s) => String(s.steps) },
];

/** Cost to the millionth of a dollar, so the cost marked best differs from the others on screen too. */
function preciseCost(costUsd: number | null): string {
  return costUsd === null || costUsd >= 1 ? formatCost(costUsd) : `$${costUsd.toFixed(6)}`;
}

const palette = ["#4f46e5", "#0d9488", "#d97706", "#db2777", "#475569"];

/**
 * Evaluations side by side: figures with the best of each row marked, bar charts, and per case each
 * evaluation's verdict and answer — differing rows highlighted, "only differing" — with the answers
 * and step traces side by side when a case is opened. Polls while any evaluation is still running.
 */
export function CompareView({ initial }: { initial: CompareViewState }) {
  const trpc = useTRPC();
  const [state, setState] = useState(initial);
  const compare = useQuery(
    trpc.evaluation.compare.queryOptions(
      { ids: state.ids },
      {
        enabled: state.ids.length >= 2,
        refetchInterval: (query) =>
          query.state.data?.evals.every((item) => evalFinished(item.status)) ? false : 1500,
      },
    ),
  );
  useEffect(() => {
    const href = compareHref(state);
    if (`${window.location.pathname}${window.location.search}` !== href)
      window.history.replaceState(null, "", href);
  }, [state]);

  if (state.ids.length < 2) {
    return (
      <EmptyState
        icon={CircleAlert}
        title="Pick two or more evaluations"
        description="Choose finished evaluations on the Evaluate page and press Compare."
        action={
          <Button asChild variant="secondary">
            <Link href="/evals">
              <ArrowLeft /> Evaluate
            </Link>
          </Button>
        }
      />
    );
  }
  if (compare.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading the comparison…
      </div>
    );
  }
  if (compare.isError) {
    return (
      <EmptyState
        icon={CircleAlert}
        title="These evaluations could not be compared"
        description={compare.error.message}
        action={
          <Button asChild variant="secondary">
            <Link href="/evals">
              <ArrowLeft /> Evaluate
            </Link>
          </Button>
        }
      />
    );
  }
  const { evals, comparison } = compare.data;
  const labels = evals.map((item) => evalLabel(item));
  const cases = state.onlyDiffering ? comparison.cases.filter((entry) => entry.differs) : comparison.cases;
  const { leftOut } = compare.data;
  const allFinished = evals.every((item) => evalFinished(item.status));

  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link
          href="/evals"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ArrowLeft className="size-3.5" /> Evaluate
        </Link>
        <div className="mt-2 flex flex-wrap items-start justify-between gap-4 border-b border-border pb-5">
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">Compare evaluations</h1>
            <p className="mt-1 text-sm text-muted-foreground">
              {[...new Set(evals.map((item) => item.testSetName))].join(", ")} · {comparison.cases.length}{" "}
              case
              {comparison.cases.length === 1 ? "" : "s"}
              {leftOut
                ? allFinished
                  ? ` · ${leftOut} case${leftOut === 1 ? "" : "s"} not in every evaluation left out`
                  : ` · ${leftOut} more once every evaluation has finished them`
                : ""}
            </p>
          </div>
          <Button
            size="sm"
            variant="secondary"
            onClick={() => {
              void navigator.clipboard
                .writeText(window.location.href)
                .then(() => toast.success("Link copied."))
                .catch(() =>
                  toast.error("The browser did not let the page copy; copy the address bar instead."),
                );
            }}
          >
            <Link2 /> Copy link
          </Button>
        </div>
      </div>

      <Card className="overflow-x-auto p-0">
        <table className="w-full" data-testid="compare-figures">
          <thead className="border-b border-border bg-subtle">
            <tr>
              <th className={th}>Figure</th>
              {evals.map((item, index) => (
                <th key={item.id} className={th} data-winner={comparison.winner === index || undefined}>
                  <div className="flex flex-col gap-1 normal-case tracking-normal">
                    <span className="flex items-center gap-1.5">
                      <span
                        className="size-2 rounded-full"
                        style={{ background: palette[index % palette.length] }}
                      />
                      <Link
                        href={`/evals/runs/${item.id}`}
                        className="text-sm font-semibold text-foreground hover:text-primary"
                      >
                        {labels[index]}
                      </Link>
                      {comparison.winner === index ? (
                        <span
                          data-testid="winner"
                          className="inline-flex items-center gap-0.5 rounded-full bg-amber-100 px-1.5 py-0.5 text-[11px] font-medium text-amber-800"
                        >
                          <Crown aria-hidden className="size-3" /> best overall
                        </span>
                      ) : null}
                    </span>
                    <span className="flex items-center gap-2">
                      <EvalStatusBadge status={item.status} />
                      <span className="text-xs font-normal text-muted-foreground">
                        {item.casesDone}/{item.casesTotal} cases
                      </span>
                    </span>
                  </div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {figureRows.map(({ figure, label, show }) => (
              <tr key={figure} data-testid={`figure-row-${figure}`}>
                <td className={`${td} text-muted-foreground`}>{label}</td>
                {comparison.versions.map((version, index) => {
                  const best = comparison.best[figure] === index;
                  return (
                    <td
                      // biome-ignore lint/suspicious/noArrayIndexKey: one column per evaluation, in order
                      key={index}
                      data-best={best || undefined}
                      className={cn(td, "tabular-nums", best && "bg-green-50 font-semibold text-green-800")}
                    >
                      {show(version.summary)}
                      {best ? <span className="ml-1.5 text-[11px] font-medium uppercase">best</span> : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <CompareCharts labels={labels} summaries={comparison.versions.map((version) => version.summary)} />

      <section aria-label="Cases" className="flex flex-col gap-2">
        <div className="flex items-center justify-between">
          <h2 className="text-base font-semibold">
            Cases{" "}
            <span className="text-muted-foreground">
              {comparison.cases.filter((entry) => entry.differs).length} differ
            </span>
          </h2>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={state.onlyDiffering}
              onChange={(event) => {
                const onlyDiffering = event.currentTarget.checked;
                setState((current) => ({ ...current, onlyDiffering }));
              }}
            />
            Only differing
          </label>
        </div>
        <Card className="overflow-x-auto p-0">
          <table className="w-full">
            <thead className="border-b border-border bg-subtle">
              <tr>
                <th className={th}>Case</th>
                {labels.map((label, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one column per evaluation, in order
                  <th key={index} className={th}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {cases.length === 0 ? (
                <tr>
                  <td colSpan={labels.length + 1} className={`${td} py-6 text-center text-muted-foreground`}>
                    {state.onlyDiffering ? "Every evaluation agrees on every case." : "No cases yet."}
                  </td>
                </tr>
              ) : null}
              {cases.map((entry) => (
                <CaseCompareRow
                  key={entry.id}
                  entry={entry}
                  labels={labels}
                  open={state.openCase === entry.id}
                  onToggle={() =>
                    setState((current) => ({
                      ...current,
                      openCase: current.openCase === entry.id ? null : entry.id,
                    }))
                  }
                />
              ))}
            </tbody>
          </table>
        </Card>
      </section>
    </div>
  );
}

/** Pass rate, cost and latency as bar charts, one bar per evaluation. */
function CompareCharts({ labels, summaries }: { labels: string[]; summaries: EvalSummary[] }) {
  const rows = summaries.map((summary, index) => ({
    name: labels[index] ?? "",
    passRate: Math.round(summary.passRate * 1000) / 10,
    costUsd: summary.costUsd ?? 0,
    p50: summary.latencyP50Ms,
    p95: summary.latencyP95Ms,
  }));
  const bars = (dataKey: string, name: string) => (
    <Bar dataKey={dataKey} name={name} radius={[3, 3, 0, 0]} isAnimationActive={false}>
      {rows.map((row, index) => (
        <Cell key={row.name} fill={palette[index % palette.length]} />
      ))}
    </Bar>
  );
  return (
    <div data-testid="compare-charts" className="grid gap-4 lg:grid-cols-3">
      <ChartCard title="Pass rate" note="% of cases" empty={rows.length === 0}>
        <BarChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis dataKey="name" tick={axis} />
          <YAxis tick={axis} width={40} domain={[0, 100]} tickFormatter={(value: number) => `${value}%`} />
          <Tooltip formatter={(value) => [`${value}%`, "Pass rate"]} />
          {bars("passRate", "Pass rate")}
        </BarChart>
      </ChartCard>
      <ChartCard title="Cost" note="runs, without judges" empty={rows.length === 0}>
        <BarChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis dataKey="name" tick={axis} />
          <YAxis tick={axis} width={56} tickFormatter={(value: number) => formatCost(value)} />
          <Tooltip formatter={(value) => [formatCost(Number(value)), "Cost"]} />
          {bars("costUsd", "Cost")}
        </BarChart>
      </ChartCard>
      <ChartCard title="Latency" note="p50 and p95 per case" empty={rows.length === 0}>
        <BarChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis dataKey="name" tick={axis} />
          <YAxis tick={axis} width={56} tickFormatter={(value: number) => formatDuration(value)} />
          <Tooltip formatter={(value, name) => [formatDuration(Number(value)), String(name)]} />
          <Bar dataKey="p50" name="p50" fill="#818cf8" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="p95" name="p95" fill="#4338ca" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ChartCard>
    </div>
  );
}

function CaseCompareRow({
  entry,
  labels,
  open,
  onToggle,
}: {
  entry: CaseEntry;
  labels: string[];
  open: boolean;
  onToggle: () => void;
}) {
  return (
    <Fragment>
      <tr
        data-testid="compare-case-row"
        data-key={entry.id}
        data-differs={entry.differs || undefined}
        className={cn(entry.differs && "bg-amber-50/70")}
      >
        <td className={td}>
          <button
            type="button"
            className="flex items-start gap-1 text-left"
            aria-expanded={open}
            onClick={onToggle}
          >
            {open ? (
              <ChevronDown className="mt-0.5 size-4 shrink-0" />
            ) : (
              <ChevronRight className="mt-0.5 size-4 shrink-0" />
            )}
            <span>
              <span className="font-mono text-xs">{entry.id}</span>
              <span className="line-clamp-1 text-xs text-muted-foreground">{entry.task}</span>
            </span>
          </button>
        </td>
        {entry.versions.map((version, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: one column per evaluation, in order
          <td key={index} className={`${td} max-w-xs`}>
            {version ? (
              <>
                <VerdictBadge passed={version.passed} />
                <p className="mt-1 line-clamp-2 whitespace-pre-wrap text-xs">{answerText(version.answer)}</p>
              </>
            ) : (
              <span className="text-xs text-muted-foreground">not yet</span>
            )}
          </td>
        ))}
      </tr>
      {open ? (
        <tr className="bg-subtle">
          <td colSpan={labels.length + 1} className="p-4">
            <CaseSideBySide entry={entry} labels={labels} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

const stepKey = (step: TraceStep | undefined) =>
  step === undefined
    ? ""
    : JSON.stringify([
        step.agent,
        step.step,
        step.toolCalls,
        step.code ?? null,
        step.observation ?? null,
        step.error ?? null,
      ]);

/** The first step at which the evaluations' traces are not all the same, or undefined. */
export function firstDifferingStep(traces: readonly (readonly TraceStep[])[]): number | undefined {
  const longest = Math.max(0, ...traces.map((trace) => trace.length));
  for (let index = 0; index < longest; index++) {
    if (new Set(traces.map((trace) => stepKey(trace[index]))).size > 1) return index;
  }
  return undefined;
}

/** One case opened: each evaluation's answer, failures and step-by-step trace in columns. */
function CaseSideBySide({ entry, labels }: { entry: CaseEntry; labels: string[] }) {
  const traces = entry.versions.map((version) => version?.trace ?? []);
  const differing = firstDifferingStep(traces);
  return (
    <div
      data-testid="side-by-side"
      className="grid gap-4"
      style={{ gridTemplateColumns: `repeat(${labels.length}, minmax(0, 1fr))` }}
    >
      {entry.versions.map((version, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: one column per evaluation, in order
        <div key={index} className="flex min-w-0 flex-col gap-2" data-testid="side-column">
          <div className="flex items-center gap-2">
            <span className="text-sm font-semibold">{labels[index]}</span>
            {version ? <VerdictBadge passed={version.passed} /> : null}
          </div>
          {version ? (
            <>
              <pre className="max-h-40 overflow-auto whitespace-pre-wrap rounded-md border border-border bg-background p-2 text-xs">
                {answerText(version.answer) || "(no answer)"}
              </pre>
              {version.failures.length ? (
                <ul className="list-disc pl-5 text-xs text-red-800">
                  {version.failures.map((failure) => (
                    <li key={failure}>{failure}</li>
                  ))}
                </ul>
              ) : null}
              <ol className="flex flex-col gap-2">
                {version.trace.length === 0 ? (
                  <li className="text-xs text-muted-foreground">No steps recorded.</li>
                ) : null}
                {version.trace.map((step, at) => (
                  <TraceStepCard
                    // biome-ignore lint/suspicious/noArrayIndexKey: steps are in run order
                    key={at}
                    step={step}
                    firstDifference={at === differing}
                  />
                ))}
                {differing !== undefined && differing >= version.trace.length ? (
                  <li
                    data-testid="first-difference"
                    className="rounded-md border border-dashed border-amber-400 px-2 py-1.5 text-xs text-amber-800"
                  >
                    no step {differing + 1} here — the traces part at this point
                  </li>
                ) : null}
              </ol>
            </>
          ) : (
            <p className="text-xs text-muted-foreground">This evaluation has no result for the case yet.</p>
          )}
        </div>
      ))}
    </div>
  );
}

function TraceStepCard({ step, firstDifference }: { step: TraceStep; firstDifference: boolean }) {
  return (
    <li
      data-testid="trace-step"
      data-first-difference={firstDifference || undefined}
      className={cn(
        "rounded-md border bg-background p-2 text-xs",
        firstDifference ? "border-amber-400 ring-2 ring-amber-200" : "border-border",
      )}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="font-medium">
          {step.agent} · step {step.step}
        </span>
        {firstDifference ? (
          <span
            data-testid="first-difference"
            className="rounded bg-amber-100 px-1.5 py-0.5 text-[11px] font-medium text-amber-800"
          >
            first difference
          </span>
        ) : null}
      </div>
      {step.toolCalls.map((call, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: calls are in the step's order
        <p key={index} className="mt-1 font-mono break-all">
          → {call.name}({JSON.stringify(call.arguments ?? null)})
        </p>
      ))}
      {step.code !== undefined ? (
        <pre className="mt-1 overflow-x-auto rounded bg-zinc-950 p-1.5 font-mono text-zinc-100">
          {step.code}
        </pre>
      ) : null}
      {step.observation !== undefined ? (
        <pre className="mt-1 max-h-32 overflow-auto whitespace-pre-wrap text-muted-foreground">
          {step.observation}
        </pre>
      ) : null}
      {step.error !== undefined ? <p className="mt-1 text-red-700">{step.error}</p> : null}
    </li>
  );
}
