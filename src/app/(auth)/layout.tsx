import type { ReactNode } from "react";
import { Logo } from "~/components/layout/logo";

/** Sign-in and sign-up: a centred card on a quiet background. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center bg-subtle px-4 py-12">
      <div className="mb-8">
        <Logo className="text-lg" />
      </div>
      <div className="w-full max-w-sm">{children}</div>
      <p className="mt-10 text-xs text-muted-foreground">Design, run and publish teams of LLM agents.</p>
    </main>
  );
}
