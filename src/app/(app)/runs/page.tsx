import { Activity } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { PageContainer } from "~/components/layout/page-container";
import { PageHeader } from "~/components/layout/page-header";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

export const metadata: Metadata = { title: "Runs" };

/** Runs of the team's workflows; filled by the runs issue. */
export default function RunsPage() {
  return (
    <PageContainer>
      <PageHeader
        title="Runs"
        description="Every time a workflow runs, step by step, with tokens, cost and timing."
      />
      <section className="mt-8">
        <EmptyState
          icon={Activity}
          title="No runs yet"
          description="When you run a workflow, it appears here with its live status, each agent step, the tools it called and what it cost."
          action={
            <Button asChild variant="secondary">
              <Link href="/workflows">Go to workflows</Link>
            </Button>
          }
        />
      </section>
    </PageContainer>
  );
}
