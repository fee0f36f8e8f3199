import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "./cn";

/** What a page shows when it has nothing yet: an icon, what will appear here, and an optional action. */
export function EmptyState({
  icon: Icon,
  title,
  description,
  action,
  className,
}: {
  icon: LucideIcon;
  title: string;
  description: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={cn(
        "flex flex-col items-center justify-center rounded-lg border border-dashed border-border bg-subtle px-6 py-16 text-center",
        className,
      )}
    >
      <div className="mb-4 flex size-11 items-center justify-center rounded-full border border-border bg-background shadow-card">
        <Icon aria-hidden className="size-5 text-muted-foreground" />
      </div>
      <h2 className="text-base font-semibold tracking-tight">{title}</h2>
      <div className="mt-1.5 max-w-sm text-sm text-muted-foreground">{description}</div>
      {action ? <div className="mt-6">{action}</div> : null}
    </div>
  );
}
