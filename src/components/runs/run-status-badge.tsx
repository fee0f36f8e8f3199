import {
  CircleCheck,
  CircleDashed,
  CircleSlash,
  CircleX,
  Clock,
  Loader2,
  MessageCircleQuestion,
} from "lucide-react";
import { cn } from "~/components/ui/cn";
import { type RunStatus, runStatusLabels } from "~/lib/run-status";

const styles: Record<string, { className: string; icon: typeof Clock }> = {
  queued: { className: "border-zinc-200 bg-zinc-50 text-zinc-700", icon: CircleDashed },
  running: { className: "border-indigo-200 bg-indigo-50 text-indigo-700", icon: Loader2 },
  waiting_for_input: {
    className: "border-amber-200 bg-amber-50 text-amber-800",
    icon: MessageCircleQuestion,
  },
  succeeded: { className: "border-green-200 bg-green-50 text-green-700", icon: CircleCheck },
  failed: { className: "border-red-200 bg-red-50 text-red-700", icon: CircleX },
  cancelled: { className: "border-zinc-200 bg-zinc-100 text-zinc-600", icon: CircleSlash },
  timed_out: { className: "border-orange-200 bg-orange-50 text-orange-700", icon: Clock },
};

/** A run's state as a coloured pill; the running state spins. */
export function RunStatusBadge({ status, className }: { status: string; className?: string }) {
  const style = styles[status] ?? styles.queued!;
  const Icon = style.icon;
  return (
    <span
      data-testid="run-status"
      data-status={status}
      className={cn(
        "inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium",
        style.className,
        className,
      )}
    >
      <Icon aria-hidden className={cn("size-3.5", status === "running" && "animate-spin")} />
      {runStatusLabels[status as RunStatus] ?? status}
    </span>
  );
}
