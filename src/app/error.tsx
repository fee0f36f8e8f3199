"use client";

import { TriangleAlert } from "lucide-react";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

/** The fallback when a page fails to render: say so plainly and offer a retry. */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-subtle px-4">
      <EmptyState
        icon={TriangleAlert}
        title="Something went wrong"
        description={
          <>
            This page could not be shown. Try again; if it keeps failing, the server log has the details
            {error.digest ? ` (reference ${error.digest})` : ""}.
          </>
        }
        action={<Button onClick={reset}>Try again</Button>}
        className="w-full max-w-md bg-background"
      />
    </main>
  );
}
