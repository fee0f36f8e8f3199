import type { ReactNode } from "react";

/** The readable column app pages sit in (the canvas opts out and fills the screen). */
export function PageContainer({ children }: { children: ReactNode }) {
  return <div className="mx-auto w-full max-w-5xl px-8 py-10">{children}</div>;
}
