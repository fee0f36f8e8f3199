import type { Metadata } from "next";
import { TestSetView } from "~/components/evals/test-set-view";
import { requireSession } from "../../../require-session";

export const metadata: Metadata = { title: "Test set" };

/** One test set: its cases, import and export, and "Evaluate". */
export default async function TestSetPage({ params }: { params: Promise<{ setId: string }> }) {
  await requireSession();
  const { setId } = await params;
  return (
    <div className="mx-auto w-full max-w-6xl px-8 py-8">
      <TestSetView setId={setId} />
    </div>
  );
}
