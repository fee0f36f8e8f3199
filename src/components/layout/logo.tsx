import { cn } from "~/components/ui/cn";

/** Troupe's mark and word: three overlapping figures. */
export function Logo({ className, withWord = true }: { className?: string; withWord?: boolean }) {
  return (
    <span
      className={cn("inline-flex items-center gap-2 font-semibold tracking-tight text-foreground", className)}
    >
      <svg viewBox="0 0 28 28" aria-hidden className="size-7 shrink-0">
        <rect width="28" height="28" rx="7" className="fill-primary" />
        <circle cx="9" cy="11" r="3" fill="white" fillOpacity="0.7" />
        <circle cx="19" cy="11" r="3" fill="white" fillOpacity="0.7" />
        <circle cx="14" cy="9.5" r="3.4" fill="white" />
        <path
          d="M7 21c0-3.3 3.1-5.5 7-5.5s7 2.2 7 5.5"
          stroke="white"
          strokeWidth="2.2"
          strokeLinecap="round"
          fill="none"
        />
      </svg>
      {withWord ? <span className="text-[15px]">Troupe</span> : null}
    </span>
  );
}
