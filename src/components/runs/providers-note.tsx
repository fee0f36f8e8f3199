"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleCheck, CircleMinus, PlayCircle } from "lucide-react";
import { useTRPC } from "~/trpc/react";

/** Which model providers this installation has keys for, and that the demo needs none. */
export function ProvidersNote() {
  const trpc = useTRPC();
  const providers = useQuery(trpc.run.providers.queryOptions(undefined, { staleTime: 60_000 }));
  if (!providers.data) return null;
  const { openai, hf, openaiBaseUrl } = providers.data;
  const item = (ok: boolean, label: string, detail: string) => (
    <li className="flex items-center gap-1.5">
      {ok ? (
        <CircleCheck aria-hidden className="size-3.5 text-success" />
      ) : (
        <CircleMinus aria-hidden className="size-3.5 text-muted-foreground" />
      )}
      <span className={ok ? "font-medium" : "text-muted-foreground"}>{label}</span>
      <span className="text-muted-foreground">{detail}</span>
    </li>
  );
  return (
    <section
      data-testid="providers"
      aria-label="Model providers"
      className="flex flex-wrap items-center gap-x-6 gap-y-2 rounded-lg border border-border bg-subtle px-4 py-2.5 text-xs"
    >
      <span className="font-semibold text-foreground">Model providers</span>
      <ul className="flex flex-wrap gap-x-5 gap-y-1">
        {item(
          openai,
          "OpenAI-compatible",
          openai ? (openaiBaseUrl ?? "api.openai.com") : "set OPENAI_API_KEY",
        )}
        {item(hf, "Hugging Face", hf ? "HF_TOKEN set" : "set HF_TOKEN")}
        <li className="flex items-center gap-1.5">
          <PlayCircle aria-hidden className="size-3.5 text-primary" />
          <span className="font-medium">Replay</span>
          <span className="text-muted-foreground">always on: the demo workflow runs without keys</span>
        </li>
      </ul>
    </section>
  );
}
