import type { Metadata } from "next";
import { CompareView } from "~/components/evals/compare-view";
import { requireSession } from "../../require-session";

export const metadata: Metadata = { title: "Compare evaluations" };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Evaluations side by side; `?ids=a,b[,c]&only=differing&case=key` is the whole view's state. */
export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const params = await searchParams;
  const ids = [
    ...new Set(
      (one(params.ids) ?? "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ].slice(0, 5);
  return (
    <div className="mx-auto w-full max-w-6xl px-8 py-8">
      <CompareView
        initial={{ ids, onlyDiffering: one(params.only) === "differing", openCase: one(params.case) ?? null }}
      />
    </div>
  );
}
