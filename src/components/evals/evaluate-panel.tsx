"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Loader2, Play } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { nativeSelectClass } from "~/components/ui/select-class";
import { errorMessageOf } from "~/lib/input-errors";
import { useTRPC } from "~/trpc/react";

/** The working copy's place among the picked versions (the router's `null`). */
const WORKING_COPY = "working-copy";

/**
 * "Evaluate": a workflow, one or more of its versions and/or its working copy, how many cases run at
 * once and a cost cap → startEval, then the evaluation's page (one version) or the comparison of the
 * started evaluations (two or more), which fill in live.
 */
export function EvaluatePanel({ testSetId, caseCount }: { testSetId: string; caseCount: number }) {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const router = useRouter();
  const workflows = useQuery(trpc.workflow.list.queryOptions({ teamId: team.id, limit: 100 }));
  const [workflowId, setWorkflowId] = useState("");
  const versions = useQuery(
    trpc.workflow.listVersions.queryOptions({ workflowId, limit: 100 }, { enabled: workflowId !== "" }),
  );
  const [picked, setPicked] = useState<string[]>([]);
  const [concurrency, setConcurrency] = useState("4");
  const [maxCost, setMaxCost] = useState("");
  const [problem, setProblem] = useState<string>();
  const start = useMutation(
    trpc.evaluation.startEval.mutationOptions({
      onSuccess: ({ evalRunIds }) =>
        router.push(
          evalRunIds.length === 1
            ? `/evals/runs/${evalRunIds[0]}`
            : `/evals/compare?ids=${evalRunIds.join(",")}`,
        ),
    }),
  );
  const toggle = (id: string, on: boolean) =>
    setPicked((current) => (on ? [...current, id] : current.filter((item) => item !== id)));

  const submit = () => {
    const width = Number(concurrency);
    const cap = maxCost.trim() === "" ? undefined : Number(maxCost);
    if (!workflowId) return setProblem("Pick a workflow.");
    if (picked.length === 0) return setProblem("Pick at least one version (or the working copy).");
    if (picked.length > 5) return setProblem("Evaluate at most 5 versions at once.");
    if (!Number.isInteger(width) || width < 1 || width > 16)
      return setProblem("Cases at once is a whole number from 1 to 16.");
    if (cap !== undefined && !(Number.isFinite(cap) && cap > 0))
      return setProblem("The cost cap is an amount in USD above 0, or blank for none.");
    setProblem(undefined);
    start.mutate({
      testSetId,
      workflowId,
      versionIds: picked.map((id) => (id === WORKING_COPY ? null : id)),
      concurrency: width,
      ...(cap !== undefined ? { maxCostUsd: cap } : {}),
    });
  };

  return (
    <Card className="p-4" data-testid="evaluate-panel">
      <h2 className="text-sm font-semibold">Evaluate</h2>
      <p className="mt-0.5 text-xs text-muted-foreground">
        Run every case of this set on one or more versions of a workflow; two or more open side by side.
      </p>
      <form
        className="mt-3 flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="eval-workflow">Workflow</Label>
          <select
            id="eval-workflow"
            className={nativeSelectClass}
            value={workflowId}
            onChange={(event) => {
              setWorkflowId(event.currentTarget.value);
              setPicked([]);
            }}
          >
            <option value="">Pick a workflow…</option>
            {workflows.data?.items.map((workflow) => (
              <option key={workflow.id} value={workflow.id}>
                {workflow.name}
              </option>
            ))}
          </select>
        </div>
        {workflowId ? (
          <fieldset className="flex flex-col gap-1">
            <legend className="mb-1 text-sm font-medium">Versions</legend>
            {versions.isPending ? (
              <span className="flex items-center gap-2 text-sm text-muted-foreground">
                <Loader2 className="size-4 animate-spin" /> Loading versions…
              </span>
            ) : null}
            <div className="flex max-h-48 flex-col gap-1 overflow-y-auto">
              {versions.data?.items.map((version) => (
                <label key={version.id} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={picked.includes(version.id)}
                    onChange={(event) => toggle(version.id, event.currentTarget.checked)}
                  />
                  v{version.number}
                  {version.message ? (
                    <span className="truncate text-xs text-muted-foreground">{version.message}</span>
                  ) : null}
                </label>
              ))}
              <label className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={picked.includes(WORKING_COPY)}
                  onChange={(event) => toggle(WORKING_COPY, event.currentTarget.checked)}
                />
                Working copy <span className="text-xs text-muted-foreground">unsaved changes</span>
              </label>
            </div>
          </fieldset>
        ) : null}
        <div className="grid grid-cols-2 gap-2">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="eval-concurrency">Cases at once</Label>
            <Input
              id="eval-concurrency"
              inputMode="numeric"
              value={concurrency}
              onChange={(event) => setConcurrency(event.currentTarget.value)}
            />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="eval-cost-cap">Cost cap (USD)</Label>
            <Input
              id="eval-cost-cap"
              inputMode="decimal"
              placeholder="none"
              value={maxCost}
              onChange={(event) => setMaxCost(event.currentTarget.value)}
            />
          </div>
        </div>
        <FieldError message={problem ?? (start.error ? errorMessageOf(start.error) : undefined)} />
        <Button type="submit" disabled={start.isPending || caseCount === 0}>
          {start.isPending ? <Loader2 className="animate-spin" /> : <Play />}
          {picked.length > 1 ? `Evaluate ${picked.length} versions` : "Evaluate"}
        </Button>
        {caseCount === 0 ? (
          <p className="text-xs text-muted-foreground">Add a case first: an empty set has nothing to run.</p>
        ) : null}
      </form>
    </Card>
  );
}
