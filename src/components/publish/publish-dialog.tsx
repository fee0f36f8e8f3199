"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { nativeSelectClass } from "~/components/ui/select-class";
import { toast } from "~/components/ui/toaster";
import { ENDPOINT_SLUG_PATTERN, ENDPOINT_SLUG_RULE, suggestEndpointSlug } from "~/lib/endpoint-slug";
import { useTRPC } from "~/trpc/react";
import { PublishGateNote } from "./publish-gate-note";

/** The version choice that saves the working copy as a new version first. */
const SAVE_NEW = "new";

const selectClass = cn(nativeSelectClass, "w-full");

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Publish the workflow from the editor: pick a saved version (or save the current graph as one), choose
 * a slug (suggested from the name; taken ones are said at once), then go to the new endpoint's page.
 */
export function PublishDialog({
  open,
  onOpenChange,
  teamId,
  workflowId,
  workflowName,
  beforeSave,
  revision,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  teamId: string;
  workflowId: string;
  workflowName: string;
  /** Saves pending edits of the working copy; false when that failed. */
  beforeSave: () => Promise<boolean>;
  revision: () => number;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const versions = useQuery({
    ...trpc.workflow.listVersions.queryOptions({ workflowId, limit: 100 }),
    enabled: open,
    // Versions saved since the last opening (here or with "Save version") must be offered.
    staleTime: 0,
  });
  const [versionId, setVersionId] = useState<string | null>(null);
  const [slug, setSlug] = useState(() => suggestEndpointSlug(workflowName));
  const [description, setDescription] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const chosen = versionId ?? versions.data?.items[0]?.id ?? SAVE_NEW;
  const settledSlug = useSettled(slug.trim(), 250);
  const slugValid = ENDPOINT_SLUG_PATTERN.test(settledSlug);
  const availability = useQuery({
    ...trpc.endpoint.slugAvailable.queryOptions({ teamId, slug: settledSlug }),
    enabled: open && slugValid,
    // Slugs taken since the last check (by this dialog or a teammate) must show as taken.
    staleTime: 0,
  });
  const saveVersion = useMutation(trpc.workflow.saveVersion.mutationOptions());
  const publish = useMutation(trpc.endpoint.publish.mutationOptions());
  const pending = saveVersion.isPending || publish.isPending;
  const slugMessage = !ENDPOINT_SLUG_PATTERN.test(slug.trim())
    ? ENDPOINT_SLUG_RULE
    : settledSlug === slug.trim() && availability.data && !availability.data.available
      ? availability.data.reason
      : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      let id = chosen;
      if (id === SAVE_NEW) {
        if (!(await beforeSave())) {
          setProblem("The latest changes could not be saved; try again.");
          return;
        }
        const saved = await saveVersion.mutateAsync({
          workflowId,
          revision: revision(),
          message: `Published as ${slug.trim()}`,
        });
        id = saved.id;
      }
      const endpoint = await publish.mutateAsync({
        teamId,
        workflowId,
        versionId: id,
        slug: slug.trim(),
        description: description.trim(),
      });
      toast.success(`Published as ${endpoint.slug}.`);
      onOpenChange(false);
      router.push(`/endpoints/${endpoint.id}`);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : "Could not publish.");
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <form className="grid gap-4" onSubmit={(event) => void submit(event)}>
          <DialogHeader>
            <DialogTitle>Publish as an API</DialogTitle>
            <DialogDescription>
              A saved version serves under a URL of its own; you can move the endpoint to another version
              later without changing it.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-1.5">
            <Label htmlFor="publish-version">Version</Label>
            {versions.isPending ? (
              <Loader2 className="size-4 animate-spin text-muted-foreground" />
            ) : (
              <select
                id="publish-version"
                className={selectClass}
                value={chosen}
                onChange={(event) => setVersionId(event.currentTarget.value)}
              >
                {versions.data?.items.map((version) => (
                  <option key={version.id} value={version.id}>
                    v{version.number}
                    {version.message ? ` — ${version.message}` : ""}
                  </option>
                ))}
                <option value={SAVE_NEW}>Save the current graph as a new version</option>
              </select>
            )}
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="publish-slug">Slug</Label>
            <Input
              id="publish-slug"
              required
              maxLength={48}
              value={slug}
              aria-invalid={slugMessage !== null}
              aria-describedby="publish-slug-note"
              onChange={(event) => setSlug(event.currentTarget.value.toLowerCase())}
            />
            <p
              id="publish-slug-note"
              data-testid="slug-note"
              className={slugMessage ? "text-xs text-destructive" : "text-xs text-muted-foreground"}
            >
              {slugMessage ??
                (availability.data?.available && settledSlug === slug.trim()
                  ? `Available: …/api/v1/endpoints/<team>/${settledSlug}`
                  : "Lower-case letters, digits and hyphens.")}
            </p>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="publish-description">Description (optional)</Label>
            <Input
              id="publish-description"
              maxLength={500}
              placeholder="What callers can ask it"
              value={description}
              onChange={(event) => setDescription(event.currentTarget.value)}
            />
          </div>
          <PublishGateNote teamId={teamId} versionId={chosen === SAVE_NEW ? null : chosen} />
          {problem ? (
            <p role="alert" className="text-sm text-destructive">
              {problem}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="ghost" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending || slugMessage !== null}>
              {pending ? <Loader2 className="animate-spin" /> : null} Publish
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
