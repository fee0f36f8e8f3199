import { AppWindow, KeyRound, Link2, MessagesSquare } from "lucide-react";
import { cn } from "~/components/ui/cn";

const sources = {
  app: { label: "App", icon: AppWindow, className: "border-zinc-200 bg-zinc-50 text-zinc-600" },
  api: { label: "API", icon: KeyRound, className: "border-violet-200 bg-violet-50 text-violet-700" },
  share: { label: "Share link", icon: Link2, className: "border-sky-200 bg-sky-50 text-sky-700" },
  playground: {
    label: "Playground",
    icon: MessagesSquare,
    className: "border-emerald-200 bg-emerald-50 text-emerald-700",
  },
} as const;

/** Who started a run, as a small pill: App, API (with the key's name and the endpoint), Share link, Playground. */
export function RunSourceBadge({
  source,
  apiKeyName,
  endpointSlug,
  className,
}: {
  source: string;
  apiKeyName?: string | null;
  endpointSlug?: string | null;
  className?: string;
}) {
  const style = sources[source as keyof typeof sources] ?? sources.app;
  const Icon = style.icon;
  const detail = [apiKeyName ? `key ${apiKeyName}` : null, endpointSlug ? `/${endpointSlug}` : null]
    .filter(Boolean)
    .join(" · ");
  return (
    <span
      data-testid="run-source"
      data-source={source}
      title={detail ? `${style.label}: ${detail}` : style.label}
      className={cn(
        "inline-flex max-w-full items-center gap-1 truncate whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium",
        style.className,
        className,
      )}
    >
      <Icon aria-hidden className="size-3.5 shrink-0" />
      {style.label}
      {apiKeyName ? <span className="truncate font-normal">· {apiKeyName}</span> : null}
    </span>
  );
}
