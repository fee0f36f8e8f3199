"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, BookOpen, KeyRound, Loader2, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { cn } from "~/components/ui/cn";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { RelativeTime } from "~/components/ui/relative-time";
import { nativeSelectClass } from "~/components/ui/select-class";
import { toast } from "~/components/ui/toaster";
import { endpointRunsUrl } from "~/lib/api-snippets";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { CopyButton } from "./copy-button";
import { EndpointHistory } from "./endpoint-history";
import { EndpointSnippets } from "./endpoint-snippets";
import { OriginsEditor } from "./origins-editor";
import { PublishGateNote } from "./publish-gate-note";
import { ShareSettings } from "./share-settings";
import { UsageCharts } from "./usage-charts";

type Endpoint = RouterOutputs["endpoint"]["get"];

const selectClass = cn(nativeSelectClass, "disabled:opacity-60");

/** The origin the snippets and links use: APP_URL when the server has one, else this browser's. */
function useOrigin(appUrl: string | null): string | null {
  const [browser, setBrowser] = useState<string | null>(null);
  useEffect(() => setBrowser(window.location.origin), []);
  return appUrl ?? browser;
}

/** Whether an endpoint serves, as a pill. */
export function ServingBadge({ version }: { version: { number: number } | null }) {
  return (
    <span
      data-testid="serving-badge"
      className={cn(
        "inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium",
        version ? "border-green-200 bg-green-50 text-green-700" : "border-zinc-200 bg-zinc-100 text-zinc-600",
      )}
    >
      {version ? `Serving v${version.number}` : "Unpublished"}
    </span>
  );
}

/**
 * One endpoint: its URL, which version serves since when, moving and unpublishing, history, snippets,
 * usage, the share link and allowed origins. Members without `publish` see everything but change nothing.
 */
export function EndpointView({ endpointId }: { endpointId: string }) {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const query = useQuery(trpc.endpoint.get.queryOptions({ teamId: team.id, endpointId }));
  const origin = useOrigin(query.data?.appUrl ?? null);
  if (query.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading the endpoint…
      </div>
    );
  }
  if (query.isError) {
    return (
      <p role="alert" className="py-24 text-center text-sm text-destructive">
        Could not load the endpoint: {query.error.message}
      </p>
    );
  }
  return (
    <EndpointDetails endpoint={query.data} origin={origin} canPublish={team.actions.includes("publish")} />
  );
}

function Section({
  title,
  description,
  children,
  actions,
  testId,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
}) {
  return (
    <Card className="p-5" data-testid={testId}>
      <div className="mb-3 flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="text-base font-semibold tracking-tight">{title}</h2>
          {description ? <p className="mt-0.5 text-sm text-muted-foreground">{description}</p> : null}
        </div>
        {actions}
      </div>
      {children}
    </Card>
  );
}

function EndpointDetails({
  endpoint,
  origin,
  canPublish,
}: {
  endpoint: Endpoint;
  origin: string | null;
  canPublish: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const teamId = endpoint.team.id;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({
        queryKey: trpc.endpoint.get.queryKey({ teamId, endpointId: endpoint.id }),
      }),
      queryClient.invalidateQueries({ queryKey: trpc.endpoint.history.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.endpoint.list.pathKey() }),
    ]);
  const onError = (error: { message: string }) => toast.error(error.message);
  const serving = endpoint.workflowVersion;
  const [versionId, setVersionId] = useState(serving?.id ?? endpoint.versions[0]?.id ?? "");
  const [confirm, setConfirm] = useState<"unpublish" | "delete" | null>(null);
  // A refusal (the publish gate's especially) stays on the page until the next try: it says what is missing.
  const [moveProblem, setMoveProblem] = useState<string | null>(null);
  const move = useMutation(
    trpc.endpoint.move.mutationOptions({
      onMutate: () => setMoveProblem(null),
      onSuccess: async () => {
        await refresh();
        const number = endpoint.versions.find((v) => v.id === versionId)?.number;
        toast.success(serving ? `Now serving version ${number}.` : `Published version ${number}.`);
      },
      onError: (error) => setMoveProblem(error.message),
    }),
  );
  const unpublish = useMutation(
    trpc.endpoint.unpublish.mutationOptions({
      onSuccess: async () => {
        setConfirm(null);
        await refresh();
        toast.success("Unpublished: calls now answer 404 until you publish again.");
      },
      onError,
    }),
  );
  const remove = useMutation(
    trpc.endpoint.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.endpoint.list.pathKey() });
        toast.success(`Deleted ${endpoint.slug}.`);
        router.push("/endpoints");
      },
      onError,
    }),
  );
  const url = endpointRunsUrl({
    origin: origin ?? "",
    teamSlug: endpoint.team.slug,
    endpointSlug: endpoint.slug,
  });

  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-wrap items-start gap-3 border-b border-border pb-6">
        <Button asChild variant="ghost" size="icon" aria-label="All endpoints">
          <Link href="/endpoints">
            <ArrowLeft />
          </Link>
        </Button>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="truncate font-mono text-2xl font-semibold tracking-tight">{endpoint.slug}</h1>
            <ServingBadge version={serving} />
          </div>
          <p className="mt-1 text-sm text-muted-foreground">
            {endpoint.description ? `${endpoint.description} · ` : ""}
            From{" "}
            <Link href={`/workflows/${endpoint.workflow.id}`} className="font-medium hover:text-primary">
              {endpoint.workflow.name}
            </Link>
            {serving && endpoint.servingSince ? (
              <>
                {" "}
                · version {serving.number} serves since <RelativeTime date={endpoint.servingSince} />
              </>
            ) : null}
          </p>
        </div>
        <div className="flex items-center gap-2">
          <Button asChild variant="secondary" size="sm">
            <Link href="/endpoints/keys">
              <KeyRound /> API keys
            </Link>
          </Button>
          <Button asChild variant="ghost" size="sm">
            <Link href="/docs/api">
              <BookOpen /> API reference
            </Link>
          </Button>
        </div>
      </header>

      <Section
        title="URL"
        description="POST a task to start a run; the same URL keeps working when you move the endpoint to another version."
      >
        <div className="flex items-center gap-2">
          <code
            data-testid="endpoint-url"
            className="min-w-0 flex-1 truncate rounded-md border border-border bg-subtle px-3 py-1.5 font-mono text-xs"
          >
            POST {url}
          </code>
          <CopyButton value={url} label="Copy URL" />
        </div>
      </Section>

      <Section
        title="Version"
        description={
          serving
            ? "Calls run the serving version. Calls already running finish on the version they started with."
            : "Not published: calls answer 404. Publish a version to serve it again under the same URL."
        }
        testId="endpoint-version"
      >
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor="endpoint-version-select" className="sr-only">
            Version
          </label>
          <select
            id="endpoint-version-select"
            className={selectClass}
            value={versionId}
            disabled={!canPublish}
            onChange={(event) => setVersionId(event.currentTarget.value)}
          >
            {endpoint.versions.map((version) => (
              <option key={version.id} value={version.id}>
                v{version.number}
                {version.message ? ` — ${version.message}` : ""}
                {version.id === serving?.id ? " (serving)" : ""}
              </option>
            ))}
          </select>
          {canPublish ? (
            <>
              <Button
                size="sm"
                disabled={move.isPending || !versionId || versionId === serving?.id}
                onClick={() => move.mutate({ teamId, endpointId: endpoint.id, versionId })}
              >
                {move.isPending ? <Loader2 className="animate-spin" /> : null}
                {serving ? "Move to this version" : "Publish this version"}
              </Button>
              {serving ? (
                <Button size="sm" variant="secondary" onClick={() => setConfirm("unpublish")}>
                  Unpublish
                </Button>
              ) : null}
            </>
          ) : (
            <span className="text-xs text-muted-foreground">
              Admins and owners publish and move endpoints.
            </span>
          )}
        </div>
        <div className="mt-2 grid gap-1">
          <PublishGateNote teamId={teamId} versionId={versionId || undefined} />
          {moveProblem ? (
            <p role="alert" data-testid="move-problem" className="text-sm text-destructive">
              {moveProblem}
            </p>
          ) : null}
        </div>
        <div className="mt-4">
          <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">History</h3>
          <EndpointHistory teamId={teamId} endpointId={endpoint.id} first={endpoint.history} />
        </div>
      </Section>

      <Section title="Call it" description="Copy-ready code with this endpoint's URL and slug.">
        {origin ? (
          <EndpointSnippets target={{ origin, teamSlug: endpoint.team.slug, endpointSlug: endpoint.slug }} />
        ) : null}
      </Section>

      <Section
        title="Usage"
        description="Calls through the API and the share link, and the runs they started."
      >
        <UsageCharts teamId={teamId} endpointId={endpoint.id} breakdown="key" />
      </Section>

      <Section
        title="Share link"
        description="A public chat page for this agent, which you can also embed in another site."
      >
        {origin ? (
          <ShareSettings
            teamId={teamId}
            endpointId={endpoint.id}
            origin={origin}
            enabled={endpoint.shareEnabled}
            token={endpoint.shareToken}
            ratePerMinute={endpoint.shareRatePerMinute}
            canEdit={canPublish}
          />
        ) : null}
      </Section>

      <Section title="Allowed origins">
        <OriginsEditor
          key={endpoint.allowedOrigins.join(" ")}
          teamId={teamId}
          endpointId={endpoint.id}
          origins={endpoint.allowedOrigins}
          canEdit={canPublish}
        />
      </Section>

      {canPublish ? (
        <Section
          title="Delete endpoint"
          description="The URL stops answering and the slug is free again; past runs and usage stay."
        >
          <Button variant="destructive" size="sm" onClick={() => setConfirm("delete")}>
            <Trash2 /> Delete {endpoint.slug}
          </Button>
        </Section>
      ) : null}

      <Dialog open={confirm !== null} onOpenChange={(open) => !open && setConfirm(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>
              {confirm === "delete" ? `Delete ${endpoint.slug}?` : `Unpublish ${endpoint.slug}?`}
            </DialogTitle>
            <DialogDescription>
              {confirm === "delete"
                ? "Every call to it answers 404, keys scoped to it lose it, and this cannot be undone."
                : "Every call answers 404 “not published” until you publish a version again. Runs in progress finish."}
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="secondary" onClick={() => setConfirm(null)}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              disabled={unpublish.isPending || remove.isPending}
              onClick={() =>
                confirm === "delete"
                  ? remove.mutate({ teamId, endpointId: endpoint.id })
                  : unpublish.mutate({ teamId, endpointId: endpoint.id })
              }
            >
              {unpublish.isPending || remove.isPending ? <Loader2 className="animate-spin" /> : null}
              {confirm === "delete" ? "Delete endpoint" : "Unpublish"}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}
