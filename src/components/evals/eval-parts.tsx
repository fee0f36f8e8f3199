import { CircleCheck, CircleDashed, CircleSlash, CircleX, Loader2 } from "lucide-react";
import { cn } from "~/components/ui/cn";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import type { RouterOutputs } from "~/trpc/react";

/** One evaluation as lists show it (the router's EvalListItem). */
export type EvalListItem = RouterOutputs["evaluation"]["listEvals"][number];

/** An evaluation that will not change any more. */
export const evalFinished = (status: string) =>
  status === "finished" || status === "cancelled" || status === "failed";

/** A pass rate as a percentage ("83%"), or a dash when there is none yet. */
export function formatPassRate(passRate: number | null | undefined): string {
  if (passRate === null || passRate === undefined) return "–";
  return `${Math.round(passRate * 1000) / 10}%`;
}

/** How a version is named in lists: "v3", or "working copy" when the evaluation ran the unsaved graph. */
export function versionLabel(versionNumber: number | null | undefined): string {
  return versionNumber === null || versionNumber === undefined ? "working copy" : `v${versionNumber}`;
}

/** "Grocer v3" — how one evaluation is named in a comparison. */
export function evalLabel(item: Pick<EvalListItem, "workflowName" | "versionNumber">): string {
  return `${item.workflowName} ${versionLabel(item.versionNumber)}`;
}

const statusStyles: Record<string, { className: string; icon: typeof CircleCheck; label: string }> = {
  queued: { className: "border-zinc-200 bg-zinc-50 text-zinc-700", icon: CircleDashed, label: "Queued" },
  running: { className: "border-indigo-200 bg-indigo-50 text-indigo-700", icon: Loader2, label: "Running" },
  finished: {
    className: "border-green-200 bg-green-50 text-green-700",
    icon: CircleCheck,
    label: "Finished",
  },
  cancelled: {
    className: "border-zinc-200 bg-zinc-100 text-zinc-600",
    icon: CircleSlash,
    label: "Cancelled",
  },
  failed: { className: "border-red-200 bg-red-50 text-red-700", icon: CircleX, label: "Failed" },
};

/** An evaluation's state as a coloured pill; the running state spins. */
export function EvalStatusBadge({ status }: { status: string }) {
  const style = statusStyles[status] ?? statusStyles.queued!;
  const Icon = style.icon;
  return (
    <span
      data-testid="eval-status"
      data-status={status}
      className={cn(
        "inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium",
        style.className,
      )}
    >
      <Icon aria-hidden className={cn("size-3.5", status === "running" && "animate-spin")} />
      {style.label}
    </span>
  );
}

/** Passed or failed as a small pill (or a neutral one while the case has no verdict). */
export function VerdictBadge({ passed, pending }: { passed: boolean | null | undefined; pending?: string }) {
  if (passed === null || passed === undefined) {
    return (
      <span
        data-testid="verdict"
        data-verdict="none"
        className="inline-flex rounded-full border border-zinc-200 bg-zinc-50 px-2 py-0.5 text-xs text-zinc-600"
      >
        {pending ?? "–"}
      </span>
    );
  }
  return (
    <span
      data-testid="verdict"
      data-verdict={passed ? "pass" : "fail"}
      className={cn(
        "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium",
        passed ? "border-green-200 bg-green-50 text-green-700" : "border-red-200 bg-red-50 text-red-700",
      )}
    >
      {passed ? (
        <CircleCheck aria-hidden className="size-3.5" />
      ) : (
        <CircleX aria-hidden className="size-3.5" />
      )}
      {passed ? "Pass" : "Fail"}
    </span>
  );
}

/** An answer in one block of text: strings as they are, anything else as JSON. */
export function answerText(answer: unknown): string {
  if (answer === undefined || answer === null) return "";
  return typeof answer === "string" ? answer : JSON.stringify(answer, null, 2);
}

/** A table header cell in the app's table style. */
export const th = "px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-muted-foreground";
/** A table body cell in the app's table style. */
export const td = "px-3 py-2 align-top text-sm";

/** A test set's name and description fields, with the server's message under each (new set, rename). */
export function TestSetFields({
  idPrefix,
  name,
  description,
  onName,
  onDescription,
  fields,
}: {
  idPrefix: string;
  name: string;
  description: string;
  onName: (name: string) => void;
  onDescription: (description: string) => void;
  fields: Partial<Record<string, string>>;
}) {
  return (
    <>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${idPrefix}-name`}>Name</Label>
        <Input
          id={`${idPrefix}-name`}
          value={name}
          onChange={(event) => onName(event.currentTarget.value)}
          aria-invalid={Boolean(fields.name)}
        />
        <FieldError message={fields.name} />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${idPrefix}-description`}>Description</Label>
        <Input
          id={`${idPrefix}-description`}
          value={description}
          onChange={(event) => onDescription(event.currentTarget.value)}
        />
        <FieldError message={fields.description} />
      </div>
    </>
  );
}
