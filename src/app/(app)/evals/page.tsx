import type { Metadata } from "next";
import { EvalsHome } from "~/components/evals/evals-home";
import { PageHeader } from "~/components/layout/page-header";
import { requireSession } from "../require-session";

export const metadata: Metadata = { title: "Evaluate" };

/** Test sets and evaluations of the current team. */
export default async function EvalsPage() {
  await requireSession();
  return (
    <div className="mx-auto w-full max-w-6xl px-8 py-10">
      <PageHeader
        title="Evaluate"
        description="Test sets of tasks and checks; evaluate workflow versions on them and compare the results."
      />
      <div className="mt-6">
        <EvalsHome />
      </div>
    </div>
  );
}
