import { Compass } from "lucide-react";
import Link from "next/link";
import { Logo } from "~/components/layout/logo";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

/** Shown for unknown addresses and for objects the caller may not see. */
export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-8 bg-subtle px-4">
      <Logo className="text-lg" />
      <EmptyState
        icon={Compass}
        title="Page not found"
        description="It may have been moved or deleted, or it belongs to a team you are not part of."
        action={
          <Button asChild>
            <Link href="/workflows">Back to workflows</Link>
          </Button>
        }
        className="w-full max-w-md bg-background"
      />
    </main>
  );
}
