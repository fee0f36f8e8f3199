import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { WorkflowsList } from "./workflows-list";

export const metadata: Metadata = { title: "Workflows" };

/** The team's workflows. */
export default function WorkflowsPage() {
  return (
    <PageContainer>
      <WorkflowsList />
    </PageContainer>
  );
}
