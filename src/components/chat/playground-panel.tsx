"use client";

import { useMutation } from "@tanstack/react-query";
import { MessagesSquare, X } from "lucide-react";
import { useEffect, useMemo, useRef } from "react";
import { io, type Socket } from "socket.io-client";
import { Button } from "~/components/ui/button";
import { runStreamPath } from "~/lib/run-stream";
import { useTRPC } from "~/trpc/react";
import { Chat, type ChatTransport } from "./chat";
import { followRunStream } from "./follow-run-stream";

/**
 * The workflow editor's playground: a chat with the workflow being edited (its working copy, saved
 * first), each message a run with source "playground" naming the previous turn, whose memory it
 * continues. The answer and steps come from the run's Socket.IO room, like the run page's timeline.
 */
export function PlaygroundPanel({
  workflowId,
  disabledReason,
  beforeStart,
  onClose,
}: {
  workflowId: string;
  disabledReason: string | null;
  /** Save the working copy first; false when it could not be saved. */
  beforeStart: () => Promise<boolean>;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const start = useMutation(trpc.run.start.mutationOptions());
  const startAsync = start.mutateAsync;
  const socket = useRef<Socket | null>(null);
  useEffect(
    () => () => {
      socket.current?.disconnect();
      socket.current = null;
    },
    [],
  );

  const transport = useMemo<ChatTransport>(
    () => ({
      async send(task, previousRunId) {
        if (!(await beforeStart())) throw new Error("The latest changes could not be saved; try again.");
        const { runId } = await startAsync({ workflowId, task, source: "playground", previousRunId });
        return runId;
      },
      follow(runId, onEvent, onError) {
        socket.current ??= io({ path: runStreamPath, transports: ["websocket", "polling"] });
        return followRunStream(socket.current, runId, onEvent, onError);
      },
      runHref: (runId) => `/runs/${runId}`,
    }),
    [workflowId, beforeStart, startAsync],
  );

  return (
    <aside
      className="flex w-[380px] shrink-0 flex-col border-l border-border bg-background"
      aria-label="Playground"
      data-testid="playground"
    >
      <header className="flex items-center gap-2 border-b border-border px-3 py-2">
        <MessagesSquare aria-hidden className="size-4 text-violet-700" />
        <h2 className="text-sm font-semibold">Playground</h2>
        <span className="truncate text-xs text-muted-foreground">the working copy, with memory</span>
        <Button
          variant="ghost"
          size="icon"
          className="ml-auto"
          aria-label="Close the playground"
          onClick={onClose}
        >
          <X />
        </Button>
      </header>
      <Chat
        transport={transport}
        disabledReason={disabledReason}
        className="min-h-0 flex-1"
        emptyHint="Talk to this workflow as it is on the canvas. Each message is a run; the agent remembers the conversation."
      />
    </aside>
  );
}
