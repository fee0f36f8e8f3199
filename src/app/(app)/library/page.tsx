import { LibraryBig } from "lucide-react";
import type { Metadata } from "next";
import { PageContainer } from "~/components/layout/page-container";
import { PageHeader } from "~/components/layout/page-header";
import { EmptyState } from "~/components/ui/empty-state";

export const metadata: Metadata = { title: "Library" };

/** Shared, versioned tools and agents of the team; filled by the library issue. */
export default function LibraryPage() {
  return (
    <PageContainer>
      <PageHeader title="Library" description="Tools and agents your team shares across workflows." />
      <section className="mt-8">
        <EmptyState
          icon={LibraryBig}
          title="Your library is empty"
          description="Tools and agents you share from a workflow's canvas appear here, versioned, ready to drop into any workflow of your team."
        />
      </section>
    </PageContainer>
  );
}
