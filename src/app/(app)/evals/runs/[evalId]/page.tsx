import type { Metadata } from "next";
import { EvalRunView } from "~/components/evals/eval-run-view";
import { requireSession } from "../../../require-session";

export const metadata: Metadata = { title: "Evaluation" };

/** One evaluation, live while it runs: progress, figures and every case's result. */
export default async function EvalRunPage({ params }: { params: Promise<{ evalId: string }> }) {
  await requireSession();
  const { evalId } = await params;
  return (
    <div className="mx-auto w-full max-w-6xl px-8 py-8">
      <EvalRunView evalId={evalId} />
    </div>
  );
}
