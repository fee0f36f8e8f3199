"use client";

import { CircleAlert, CircleCheck, X } from "lucide-react";
import { useSyncExternalStore } from "react";
import { cn } from "./cn";

type Toast = { id: number; kind: "success" | "error"; message: string };

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit(next: Toast[]) {
  toasts = next;
  for (const listener of listeners) listener();
}

function dismiss(id: number) {
  emit(toasts.filter((toast) => toast.id !== id));
}

function show(kind: Toast["kind"], message: string) {
  const id = nextId++;
  emit([...toasts.slice(-2), { id, kind, message }]);
  setTimeout(() => dismiss(id), kind === "error" ? 6000 : 3500);
}

/** Brief feedback after an action: `toast.success("Saved")`, `toast.error("Could not save")`. */
export const toast = {
  success: (message: string) => show("success", message),
  error: (message: string) => show("error", message),
};

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** Renders the toasts; mount once near the root. */
export function Toaster() {
  const items = useSyncExternalStore(
    subscribe,
    () => toasts,
    () => [],
  );
  return (
    <section
      aria-label="Notifications"
      aria-live="polite"
      className="pointer-events-none fixed right-4 bottom-4 z-[60] flex w-80 flex-col gap-2"
    >
      {items.map((item) => (
        <div
          key={item.id}
          role={item.kind === "error" ? "alert" : "status"}
          className="pointer-events-auto flex items-start gap-2.5 rounded-md border border-border bg-background px-3.5 py-3 text-sm shadow-overlay animate-slide-up"
        >
          {item.kind === "success" ? (
            <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0 text-success" />
          ) : (
            <CircleAlert aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive" />
          )}
          <p className={cn("flex-1 leading-5", item.kind === "error" && "text-foreground")}>{item.message}</p>
          <button
            type="button"
            onClick={() => dismiss(item.id)}
            className="rounded-sm p-0.5 text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring"
          >
            <X className="size-3.5" />
            <span className="sr-only">Dismiss</span>
          </button>
        </div>
      ))}
    </section>
  );
}
