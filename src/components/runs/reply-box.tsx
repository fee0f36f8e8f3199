"use client";

import { useMutation } from "@tanstack/react-query";
import { Loader2, Send } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";
import { errorMessageOf } from "~/lib/input-errors";
import { useTRPC } from "~/trpc/react";

/** The answer box of a run waiting for input: the question the run asked, and a reply sent to it. */
export function ReplyBox({
  runId,
  requestId,
  question,
}: {
  runId: string;
  requestId: string;
  question: string;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const reply = useMutation(
    trpc.run.reply.mutationOptions({
      onSuccess: () => {
        setText("");
        toast.success("Answer sent.");
      },
      onError: (error) => toast.error(errorMessageOf(error)),
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
