import type { Metadata } from "next";
import { PageHeader } from "~/components/layout/page-header";
import { PriceTable } from "~/components/runs/price-table";
import { ProvidersNote } from "~/components/runs/providers-note";
import { RunCharts } from "~/components/runs/run-charts";
import { RunsList } from "~/components/runs/runs-list";
import { api } from "~/trpc/server";
import { requireSession } from "../require-session";

export const metadata: Metadata = { title: "Runs" };

/** Runs of the team's workflows: providers, cost charts, the filterable list and the price table. */
export default async function RunsPage() {
  await requireSession();
  const team = await (await api()).team.current();
  return (
    <div className="mx-auto w-full max-w-6xl px-8 py-10">
      <PageHeader
        title="Runs"
        description="Every time a workflow runs, step by step, with tokens, cost and timing."
      />
      <div className="mt-6 flex flex-col gap-6">
        <ProvidersNote />
        {team ? <RunCharts teamId={team.id} /> : null}
        <RunsList />
        {team ? <PriceTable teamId={team.id} /> : null}
      </div>
    </div>
  );
}
