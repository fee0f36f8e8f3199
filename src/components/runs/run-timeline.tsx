"use client";

import { Bot, CircleAlert, Flag, ListChecks, MessageCircleQuestion, RotateCw, Wrench } from "lucide-react";
import { memo } from "react";
import { cn } from "~/components/ui/cn";
import { Markdown } from "~/components/ui/markdown";
import { formatDuration, formatTokens } from "~/lib/run-format";
import type { TimelineAgentRun, TimelineEntry, TimelineStep } from "~/lib/run-timeline";
import { PythonCode } from "./python-code";

/** The text a model wrote before its code block: the "Thought:" part of a code action. */
export function thoughtOf(modelOutput: string): string {
  const cut = modelOutput.search(/<code>|```/);
  return (cut === -1 ? modelOutput : modelOutput.slice(0, cut)).replace(/^Thought:\s*/i, "").trim();
}

/** What a final answer or tool argument looks like as text. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  // Display only: long strings inside objects read better with their line breaks.
  return JSON.stringify(value, null, 2).replace(/\\n/g, "\n");
}

/** The live timeline: the root agent's run, with managed agents nested in the steps that called them. */
export function RunTimeline({ root, live }: { root: TimelineAgentRun; live: boolean }) {
  return <AgentRunView run={root} live={live} depth={0} />;
}

const AgentRunView = memo(function AgentRunView({
  run,
  live,
  depth,
}: {
  run: TimelineAgentRun;
  live: boolean;
  depth: number;
}) {
  const running = live && !run.finished;
  return (
    <section
      data-testid="agent-run"
      data-agent-path={run.path.join("/")}
      className={cn(depth > 0 && "rounded-lg border border-violet-200 bg-violet-50/40 p-3")}
    >
      <header className="mb-3 flex flex-wrap items-center gap-2 text-sm">
        <span className="flex size-6 items-center justify-center rounded-md bg-violet-100 text-violet-700">
          <Bot aria-hidden className="size-3.5" />
        </span>
        <span className="font-semibold">{run.name}</span>
        <span className="rounded border border-border bg-background px-1.5 py-px text-[11px] text-muted-foreground">
          {run.agentType === "code" ? "CodeAgent" : "ToolCallingAgent"}
        </span>
        <span className="font-mono text-xs text-muted-foreground">{run.modelId}</span>
        <span className="ml-auto text-xs text-muted-foreground">
          {run.finished
            ? `${run.finished.state === "success" ? "done" : run.finished.state} · ${run.finished.stepCount} step${run.finished.stepCount === 1 ? "" : "s"} · ${formatDuration(run.finished.durationMs)}`
            : running
              ? "working…"
              : ""}
        </span>
      </header>
      {depth > 0 ? (
        <details className="mb-3 text-xs text-muted-foreground">
          <summary className="cursor-pointer select-none">Task from the manager</summary>
          <p className="mt-1 whitespace-pre-wrap">{run.task}</p>
        </details>
      ) : null}
      <ol className="flex flex-col gap-3">
        {run.entries.map((entry) => (
          <li key={entry.key}>
            <EntryView entry={entry} live={live} depth={depth} />
          </li>
        ))}
        {run.pendingText ? (
          <li className="rounded-md border border-dashed border-border px-3 py-2 text-sm text-muted-foreground">
            <span className="mr-1 font-medium">Planning…</span>
            <span className="whitespace-pre-wrap">{run.pendingText}</span>
            <Cursor />
          </li>
        ) : null}
      </ol>
    </section>
  );
});

function EntryView({ entry, live, depth }: { entry: TimelineEntry; live: boolean; depth: number }) {
  switch (entry.kind) {
    case "step":
      return <StepView step={entry} live={live} depth={depth} />;
    case "plan":
      return (
        <div data-testid="plan" className="rounded-lg border border-sky-200 bg-sky-50/60 px-4 py-3">
          <Label icon={ListChecks} className="text-sky-800">
            Plan
            {entry.tokens ? <TokenNote tokens={entry.tokens} /> : null}
          </Label>
          <Markdown text={entry.plan} className="mt-1.5" />
        </div>
      );
    case "final_answer":
      return (
        <div
          data-testid="final-answer"
          className={cn(
            "rounded-lg border px-4 py-3",
            depth === 0 ? "border-green-300 bg-green-50" : "border-green-200 bg-green-50/50",
          )}
        >
          <Label icon={Flag} className="text-green-800">
            {depth === 0 ? "Final answer" : "Answer to the manager"}
          </Label>
          <p className="mt-1.5 whitespace-pre-wrap text-sm leading-6">{showValue(entry.output)}</p>
        </div>
      );
    case "question":
      return (
        <div data-testid="question" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3">
          <Label icon={MessageCircleQuestion} className="text-amber-800">
            {entry.answered ? "Asked" : "Waiting for your answer"}
          </Label>
          <p className="mt-1 whitespace-pre-wrap text-sm">{entry.question}</p>
        </div>
      );
    case "error":
      return <ErrorBox message={entry.error.message} type={entry.error.type} />;
    case "retry":
      return (
        <p className="flex items-center gap-1.5 text-xs text-amber-700">
          <RotateCw aria-hidden className="size-3.5" /> Model call retried (attempt {entry.attempt}, after{" "}
          {formatDuration(entry.delayMs)}): {entry.message}
        </p>
      );
  }
}

const StepView = memo(function StepView({
  step,
  live,
  depth,
}: {
  step: TimelineStep;
  live: boolean;
  depth: number;
}) {
  const thought = step.modelOutput !== undefined ? thoughtOf(step.modelOutput) : "";
  const streaming = live && step.modelOutput === undefined && step.finishedAt === undefined;
  if (step.stepNumber === 0) {
    return (
      <div className="flex flex-col gap-3">
        {step.children.map((child) => (
          <AgentRunView key={child.key} run={child} live={live} depth={depth + 1} />
        ))}
      </div>
    );
  }
  return (
    <article
      data-testid="timeline-step"
      className="rounded-lg border border-border bg-background px-4 py-3 shadow-card"
    >
      <header className="flex items-center gap-2 text-xs text-muted-foreground">
        <span className="font-semibold text-foreground">Step {step.stepNumber}</span>
        {step.finishedAt === undefined && live ? <span className="text-indigo-600">running…</span> : null}
        <span className="ml-auto flex items-center gap-3">
          {step.tokens ? <TokenNote tokens={step.tokens} /> : null}
          {step.durationMs !== undefined ? <span>{formatDuration(step.durationMs)}</span> : null}
        </span>
      </header>

      {streaming && step.streamText ? (
        <p
          data-testid="model-stream"
          className="mt-2 whitespace-pre-wrap font-mono text-[12.5px] text-zinc-600"
        >
          {step.streamText}
          <Cursor />
        </p>
      ) : null}
      {streaming && !step.streamText ? (
        <p className="mt-2 text-sm text-muted-foreground">
          Waiting for the model
          <Cursor />
        </p>
      ) : null}
      {thought ? <p className="mt-2 whitespace-pre-wrap text-sm leading-6 text-zinc-700">{thought}</p> : null}

      {step.codeActions.map((code, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a step's code actions only grow
        <div key={i} data-testid="code-action" className="mt-2.5">
          <Label className="mb-1 text-zinc-500">Code</Label>
          <PythonCode code={code} />
        </div>
      ))}

      {step.toolCalls.map((call) => (
        <div
          key={call.id}
          data-testid="tool-call"
          className="mt-2.5 rounded-md border border-teal-200 bg-teal-50/50 px-3 py-2"
        >
          <Label icon={Wrench} className="text-teal-800">
            Tool call <span className="font-mono">{call.name}</span>
          </Label>
          <ToolArguments value={call.arguments} />
        </div>
      ))}

      {step.children.length > 0 ? (
        <div className="mt-3 flex flex-col gap-3 border-l-2 border-violet-200 pl-3">
          {step.children.map((child) => (
            <AgentRunView key={child.key} run={child} live={live} depth={depth + 1} />
          ))}
        </div>
      ) : null}

      {step.observations.map((observation, i) =>
        observation.text.trim() ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: a step's observations only grow
          <div key={i} data-testid="observation" className="mt-2.5">
            <Label className="mb-1 text-zinc-500">Observation</Label>
            <pre className="max-h-72 overflow-auto whitespace-pre-wrap rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs leading-5 text-zinc-100">
              {observation.text.trim()}
            </pre>
          </div>
        ) : null,
      )}

      {step.errors.map((error, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a step's errors only grow
        <ErrorBox key={i} message={error.message} type={error.type} />
      ))}
      {step.retries.map((retry) => (
        <p key={retry.attempt} className="mt-2 flex items-center gap-1.5 text-xs text-amber-700">
          <RotateCw aria-hidden className="size-3.5" /> Retried (attempt {retry.attempt}): {retry.message}
        </p>
      ))}
    </article>
  );
});

/** Tool-call arguments: one line per argument, strings shown as written (newlines kept). */
function ToolArguments({ value }: { value: unknown }) {
  const entries =
    value !== null && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : undefined;
  if (!entries) {
    return <pre className="mt-1 whitespace-pre-wrap font-mono text-xs text-zinc-700">{showValue(value)}</pre>;
  }
  return (
    <dl className="mt-1 flex flex-col gap-1 text-xs">
      {entries.map(([name, argument]) => (
        <div key={name}>
          <dt className="inline font-mono font-semibold text-teal-900">{name}: </dt>
          <dd className="inline whitespace-pre-wrap font-mono text-zinc-700">{showValue(argument)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ErrorBox({ message, type }: { message: string; type: string }) {
  return (
    <div data-testid="step-error" className="mt-2.5 rounded-md border border-red-200 bg-red-50 px-3 py-2">
      <Label icon={CircleAlert} className="text-red-700">
        {type.replace(/^Agent/, "").replace(/Error$/, "") || "Error"} error
      </Label>
      <pre className="mt-1 whitespace-pre-wrap font-mono text-xs text-red-800">{message}</pre>
    </div>
  );
}

function Label({
  icon: Icon,
  className,
  children,
}: {
  icon?: typeof Bot;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <p className={cn("flex items-center gap-1.5 text-xs font-semibold uppercase tracking-wide", className)}>
      {Icon ? <Icon aria-hidden className="size-3.5" /> : null}
      {children}
    </p>
  );
}

function TokenNote({ tokens }: { tokens: { inputTokens: number; outputTokens: number } }) {
  return (
    <span className="font-normal normal-case tracking-normal text-muted-foreground">
      {formatTokens(tokens.inputTokens)} in · {formatTokens(tokens.outputTokens)} out
    </span>
  );
}

function Cursor() {
  return <span className="ml-0.5 inline-block h-3.5 w-1.5 animate-pulse bg-zinc-400 align-middle" />;
}
