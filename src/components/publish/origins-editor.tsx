"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";
import { allowedOriginsSchema, MAX_ALLOWED_ORIGINS } from "~/lib/allowed-origins";
import { useTRPC } from "~/trpc/react";

/** The browser origins allowed to call an endpoint (CORS), one per line; checked before saving. */
export function OriginsEditor({
  teamId,
  endpointId,
  origins,
  canEdit,
}: {
  teamId: string;
  endpointId: string;
  origins: string[];
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState(origins.join("\n"));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(
    trpc.endpoint.setAllowedOrigins.mutationOptions({
      onSuccess: (saved) => {
        setValue(saved.allowedOrigins.join("\n"));
        toast.success(saved.allowedOrigins.length ? "Allowed origins saved." : "Cross-origin calls are off.");
        void queryClient.invalidateQueries({ queryKey: trpc.endpoint.get.queryKey({ teamId, endpointId }) });
      },
      onError: (error) => setProblem(error.message),
    }),
  );
  return (
    <form
      className="flex flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        const lines = value
          .split(/\s+/)
          .map((line) => line.trim())
          .filter(Boolean);
        const parsed = allowedOriginsSchema.safeParse(lines);
        if (!parsed.success) {
          setProblem(parsed.error.issues[0]?.message ?? "Check the origins.");
          return;
        }
        setProblem(null);
        save.mutate({ teamId, endpointId, origins: parsed.data });
      }}
    >
      <label htmlFor="allowed-origins" className="text-sm text-muted-foreground">
        Browser pages on these origins may call the endpoint directly (CORS). Empty: no cross-origin calls.
        One per line, like <code className="font-mono">https://app.example.com</code>, at most{" "}
        {MAX_ALLOWED_ORIGINS}.
      </label>
      <textarea
        id="allowed-origins"
        rows={3}
        disabled={!canEdit}
        value={value}
        aria-invalid={problem !== null}
        onChange={(event) => setValue(event.currentTarget.value)}
        placeholder="https://app.example.com"
        className="rounded-md border border-input bg-background px-3 py-2 font-mono text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30 disabled:opacity-60 aria-invalid:border-destructive"
      />
      {problem ? (
        <p role="alert" className="text-sm text-destructive">
          {problem}
        </p>
      ) : null}
      {canEdit ? (
        <Button type="submit" size="sm" variant="secondary" className="self-start" disabled={save.isPending}>
          {save.isPending ? <Loader2 className="animate-spin" /> : null} Save origins
        </Button>
      ) : null}
    </form>
  );
}
