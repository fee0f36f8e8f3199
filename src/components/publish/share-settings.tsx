"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { iframeSnippet, shareUrl } from "~/lib/api-snippets";
import { useTRPC } from "~/trpc/react";
import { CodeBlock, CopyButton } from "./copy-button";

/** The public share link: on/off (a new link each time it is turned on), its rate, the link and an iframe. */
export function ShareSettings({
  teamId,
  endpointId,
  origin,
  enabled,
  token,
  ratePerMinute,
  canEdit,
}: {
  teamId: string;
  endpointId: string;
  origin: string;
  enabled: boolean;
  token: string | null;
  ratePerMinute: number;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [rate, setRate] = useState(String(ratePerMinute));
  const setSharing = useMutation(
    trpc.endpoint.setSharing.mutationOptions({
      onSuccess: (result) => {
        toast.success(result.shareEnabled ? "The share link is on." : "The share link is off.");
        void queryClient.invalidateQueries({ queryKey: trpc.endpoint.get.queryKey({ teamId, endpointId }) });
      },
      onError: (error) => toast.error(error.message),
    }),
  );
  const link = enabled && token ? shareUrl(origin, token) : null;
  return (
    <div className="flex flex-col gap-3" data-testid="share-settings">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 text-sm font-medium">
          <input
            type="checkbox"
            className="size-4 accent-primary"
            checked={enabled}
            disabled={!canEdit || setSharing.isPending}
            onChange={(event) =>
              setSharing.mutate({ teamId, endpointId, enabled: event.currentTarget.checked })
            }
          />
          Public share link
        </label>
        {setSharing.isPending ? <Loader2 className="size-4 animate-spin text-muted-foreground" /> : null}
        <form
          className="ml-auto flex items-center gap-2 text-sm"
          onSubmit={(event) => {
            event.preventDefault();
            setSharing.mutate({ teamId, endpointId, enabled, ratePerMinute: Number(rate) });
          }}
        >
          <label htmlFor="share-rate" className="text-muted-foreground">
            Runs per minute per visitor
          </label>
          <Input
            id="share-rate"
            type="number"
            min={1}
            max={600}
            className="w-20"
            disabled={!canEdit}
            value={rate}
            onChange={(event) => setRate(event.currentTarget.value)}
          />
          {canEdit ? (
            <Button type="submit" size="sm" variant="secondary" disabled={setSharing.isPending}>
              Set
            </Button>
          ) : null}
        </form>
      </div>
      {link && token ? (
        <>
          <div className="flex items-center gap-2">
            <a
              href={link}
              target="_blank"
              rel="noreferrer"
              data-testid="share-link"
              className="min-w-0 flex-1 truncate rounded-md border border-border bg-subtle px-3 py-1.5 font-mono text-xs hover:text-primary"
            >
              {link}
            </a>
            <CopyButton value={link} label="Copy link" />
          </div>
          <div>
            <p className="mb-1.5 text-xs text-muted-foreground">Embed the chat in another site:</p>
            <CodeBlock code={iframeSnippet(origin, token)} testId="iframe-snippet" label="Copy iframe" />
          </div>
        </>
      ) : (
        <p className="text-sm text-muted-foreground">
          Off: nobody without a key can talk to this agent. Turned on, anyone with the link can chat with it
          (a new link each time), within the rate above.
        </p>
      )}
    </div>
  );
}
