"use client";

import { Bot, ChevronRight, CircleAlert, ExternalLink, Loader2, RotateCcw, Send, User } from "lucide-react";
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import { Markdown } from "~/components/ui/markdown";
import type { ChatEndStatus, ChatEvent, ChatStep } from "~/lib/chat-events";

/**
 * How a chat reaches its agent: the public share link (HTTP + Server-Sent Events) or the canvas's
 * playground (tRPC + the run's Socket.IO room). One turn is one run; the next turn names the previous
 * run, whose memory it continues.
 */
export interface ChatTransport {
  /** Start the run answering `task`; resolves with its id (rejects with a message for the user). */
  send(task: string, previousRunId: string | undefined): Promise<string>;
  /** Follow a run's chat events until its `end`; returns a function that stops following. */
  follow(runId: string, onEvent: (event: ChatEvent) => void, onError: (message: string) => void): () => void;
  /** Where the full run can be seen (the team's run page), when the viewer may see it. */
  runHref?(runId: string): string;
}

interface Turn {
  key: number;
  task: string;
  runId?: string;
  /** Step summaries with the seq of the run event they came from. */
  steps: (ChatStep & { seq: number })[];
  answer?: unknown;
  state: "sending" | "running" | ChatEndStatus | "error";
  message?: string;
}

const endMessages: Record<Exclude<ChatEndStatus, "succeeded">, string> = {
  failed: "The agent could not answer this message.",
  cancelled: "This answer was cancelled.",
  timed_out: "The agent took too long to answer.",
};

/** An answer as text: strings as they are, anything else as indented JSON. */
function answerText(output: unknown): string {
  if (typeof output === "string") return output;
  if (output === undefined || output === null) return "";
  return `\`\`\`json\n${JSON.stringify(output, null, 2)}\n\`\`\``;
}

/**
 * A chat with an agent: messages, the agent's answers streamed in (its steps listed under each answer,
 * expandable), multi-turn with the agent's memory kept between turns. Used by the public share page
 * and by the workflow editor's playground.
 */
export function Chat({
  transport,
  disabledReason,
  placeholder = "Ask the agent…",
  emptyHint,
  className,
}: {
  transport: ChatTransport;
  /** Why messages cannot be sent now (shown instead of sending). */
  disabledReason?: string | null;
  placeholder?: string;
  emptyHint?: string;
  className?: string;
}) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState("");
  const nextKey = useRef(0);
  const stops = useRef(new Map<number, () => void>());
  const bottom = useRef<HTMLDivElement>(null);
  const busy = turns.some((turn) => turn.state === "sending" || turn.state === "running");

  useEffect(() => {
    const following = stops.current;
    return () => {
      for (const stop of following.values()) stop();
      following.clear();
    };
  }, []);

  const turnCount = turns.length;
  const lastSteps = turns.at(-1)?.steps.length ?? 0;
  const lastState = turns.at(-1)?.state;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a turn, a step or an answer arrives
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [turnCount, lastSteps, lastState]);

  const update = useCallback((key: number, change: (turn: Turn) => Turn) => {
    setTurns((all) => all.map((turn) => (turn.key === key ? change(turn) : turn)));
  }, []);

  const send = async (task: string) => {
    const previousRunId = [...turns].reverse().find((turn) => turn.runId)?.runId;
    const key = nextKey.current++;
    setTurns((all) => [...all, { key, task, steps: [], state: "sending" }]);
    setDraft("");
    let runId: string;
    try {
      runId = await transport.send(task, previousRunId);
    } catch (error) {
      update(key, (turn) => ({
        ...turn,
        state: "error",
        message: error instanceof Error ? error.message : String(error),
      }));
      return;
    }
    update(key, (turn) => ({ ...turn, runId, state: "running" }));
    const stop = transport.follow(
      runId,
      (event) => {
        if (event.type === "step")
          update(key, (turn) => ({ ...turn, steps: [...turn.steps, { ...event.step, seq: event.seq }] }));
        else if (event.type === "answer") update(key, (turn) => ({ ...turn, answer: event.output }));
        else {
          update(key, (turn) => ({
            ...turn,
            state: event.status,
            answer: event.status === "succeeded" && event.output !== undefined ? event.output : turn.answer,
            message: event.message,
          }));
          stops.current.get(key)?.();
          stops.current.delete(key);
        }
      },
      (message) => {
        update(key, (turn) => ({ ...turn, state: "error", message }));
        stops.current.get(key)?.();
        stops.current.delete(key);
      },
    );
    stops.current.set(key, stop);
  };

  const blocked = disabledReason ?? null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const task = draft.trim();
    if (!task || busy || blocked) return;
    void send(task);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) onSubmit(event);
  };
  const restart = () => {
    for (const stop of stops.current.values()) stop();
    stops.current.clear();
    setTurns([]);
  };

  return (
    <div className={cn("flex min-h-0 flex-col", className)} data-testid="chat">
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-4">
        {turns.length === 0 ? (
          <p className="mt-8 text-center text-sm text-muted-foreground" data-testid="chat-empty">
            {emptyHint ?? "Send a message to start. The agent remembers the conversation."}
          </p>
        ) : (
          <ol className="flex flex-col gap-4">
            {turns.map((turn) => (
              <li
                key={turn.key}
                className="flex flex-col gap-2"
                data-testid="chat-turn"
                data-state={turn.state}
              >
                <div className="flex justify-end">
                  <div className="flex max-w-[85%] items-start gap-2 rounded-2xl rounded-br-sm bg-primary px-3 py-2 text-sm text-primary-foreground">
                    <span className="whitespace-pre-wrap" data-testid="chat-question">
                      {turn.task}
                    </span>
                    <User aria-hidden className="mt-0.5 size-3.5 shrink-0 opacity-70" />
                  </div>
                </div>
                <AgentReply turn={turn} runHref={turn.runId ? transport.runHref?.(turn.runId) : undefined} />
              </li>
            ))}
          </ol>
        )}
        <div ref={bottom} />
      </div>
      <form onSubmit={onSubmit} className="flex flex-col gap-2 border-t border-border p-3">
        {blocked ? (
          <p className="text-xs text-amber-800" data-testid="chat-blocked">
            {blocked}
          </p>
        ) : null}
        <div className="flex items-end gap-2">
          <textarea
            aria-label="Message"
            data-testid="chat-input"
            className="max-h-40 min-h-10 flex-1 resize-none rounded-md border border-border bg-background px-3 py-2 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring"
            rows={1}
            maxLength={20_000}
            placeholder={placeholder}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <Button
            type="submit"
            size="icon"
            className="size-10"
            aria-label="Send"
            data-testid="chat-send"
            disabled={busy || Boolean(blocked) || draft.trim() === ""}
          >
            {busy ? <Loader2 className="animate-spin" /> : <Send />}
          </Button>
        </div>
        {turns.length > 0 ? (
          <button
            type="button"
            onClick={restart}
            disabled={busy}
            className="flex items-center gap-1 self-start text-xs text-muted-foreground hover:text-foreground disabled:opacity-50"
            data-testid="chat-restart"
          >
            <RotateCcw aria-hidden className="size-3" /> New conversation
          </button>
        ) : null}
      </form>
    </div>
  );
}

function AgentReply({ turn, runHref }: { turn: Turn; runHref?: string }) {
  const working = turn.state === "sending" || turn.state === "running";
  const failed = turn.state !== "succeeded" && !working;
  const failure =
    turn.state === "error"
      ? turn.message
      : failed
        ? (turn.message ?? endMessages[turn.state as keyof typeof endMessages])
        : undefined;
  const stepCount = turn.steps.length;
  return (
    <div className="flex max-w-[92%] items-start gap-2">
      <span className="mt-1 flex size-6 shrink-0 items-center justify-center rounded-md bg-violet-100 text-violet-700">
        <Bot aria-hidden className="size-3.5" />
      </span>
      <div className="min-w-0 flex-1 rounded-2xl rounded-tl-sm border border-border bg-background px-3 py-2">
        {turn.answer !== undefined && turn.answer !== null ? (
          <div data-testid="chat-answer">
            <Markdown text={answerText(turn.answer)} />
          </div>
        ) : working ? (
          <p className="flex items-center gap-2 text-sm text-muted-foreground" data-testid="chat-working">
            <Loader2 aria-hidden className="size-3.5 animate-spin" />
            {turn.state === "sending" ? "Sending…" : stepCount ? `Working… step ${stepCount}` : "Thinking…"}
          </p>
        ) : null}
        {failure ? (
          <p
            className="mt-1 flex items-start gap-1.5 text-sm text-red-700"
            role="alert"
            data-testid="chat-error"
          >
            <CircleAlert aria-hidden className="mt-0.5 size-3.5 shrink-0" />
            <span>{failure}</span>
          </p>
        ) : null}
        {stepCount || runHref ? (
          <div className="mt-2 flex flex-wrap items-center gap-x-3 text-xs text-muted-foreground">
            {stepCount ? (
              <details className="group w-full" data-testid="chat-steps">
                <summary className="flex cursor-pointer select-none list-none items-center gap-1 hover:text-foreground">
                  <ChevronRight aria-hidden className="size-3 transition-transform group-open:rotate-90" />
                  {stepCount} step{stepCount === 1 ? "" : "s"}
                </summary>
                <ol className="mt-1.5 flex flex-col gap-1.5 border-l border-border pl-3">
                  {turn.steps.map((step) => (
                    <StepSummary key={step.seq} step={step} />
                  ))}
                </ol>
              </details>
            ) : null}
            {runHref ? (
              <a
                href={runHref}
                target="_blank"
                rel="noopener noreferrer"
                className="mt-1 inline-flex items-center gap-1 hover:text-foreground"
                data-testid="chat-run-link"
              >
                <ExternalLink aria-hidden className="size-3" /> Full run
              </a>
            ) : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}

function StepSummary({ step }: { step: ChatStep }) {
  const agent = step.agentPath.length > 1 ? step.agentPath.slice(1).join(" › ") : null;
  return (
    <li data-testid="chat-step">
      <div className="flex flex-wrap items-center gap-1.5 text-foreground">
        <span className="font-medium">
          {step.kind === "plan" ? "Plan" : `Step ${step.stepNumber}`}
          {agent ? <span className="font-normal text-muted-foreground"> · {agent}</span> : null}
        </span>
        {step.tools.map((tool, index) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: a tool may be called twice in one step
            key={`${tool}-${index}`}
            className="rounded border border-border bg-muted px-1 font-mono text-[11px]"
          >
            {tool}
          </span>
        ))}
        {step.failed ? <span className="text-amber-700">retried after an error</span> : null}
        {step.durationMs !== undefined ? <span>{(step.durationMs / 1000).toFixed(1)} s</span> : null}
      </div>
      {step.thought ? (
        <p className="mt-0.5 whitespace-pre-wrap text-muted-foreground">{step.thought}</p>
      ) : null}
    </li>
  );
}
