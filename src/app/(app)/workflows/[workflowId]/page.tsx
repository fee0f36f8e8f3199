import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { api, getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { requireSession } from "../../require-session";
import { LIBRARY_PAGE_FOR_CANVAS } from "./library-versions";
import { WorkflowEditor } from "./workflow-editor";

export const metadata: Metadata = { title: "Workflow" };

/** The canvas builder for one workflow; its graph is loaded (and migrated) on the server. */
export default async function WorkflowPage({ params }: { params: Promise<{ workflowId: string }> }) {
  await requireSession();
  const { workflowId } = await params;
  const loaded = await (await api()).workflow.load({ workflowId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST"))
      notFound();
    throw error;
  });
  // The team library renders with the canvas: palette items, and library nodes validated at once.
  await getQueryClient().prefetchQuery(
    trpc.library.list.queryOptions({ teamId: loaded.teamId, limit: LIBRARY_PAGE_FOR_CANVAS }),
  );
  return (
    <HydrateClient>
      <WorkflowEditor initial={loaded} />
    </HydrateClient>
  );
}
