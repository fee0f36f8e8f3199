"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { FlaskConical, GitCompare, Loader2, Plus } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { FieldError } from "~/components/ui/field-error";
import { RelativeTime } from "~/components/ui/relative-time";
import { errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { formatCost } from "~/lib/run-format";
import { useTRPC } from "~/trpc/react";
import {
  EvalStatusBadge,
  evalFinished,
  formatPassRate,
  TestSetFields,
  td,
  th,
  versionLabel,
} from "./eval-parts";

/**
 * The Evaluate page: the team's test sets with their last pass rate, "New test set", and the recent
 * evaluations, of which two or more finished ones can be picked and compared.
 */
export function EvalsHome() {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const sets = useQuery(trpc.evaluation.listSets.queryOptions({ teamId: team.id }));
  const evals = useQuery(
    trpc.evaluation.listEvals.queryOptions(
      { teamId: team.id, limit: 50 },
      {
        refetchInterval: (query) =>
          query.state.data?.some((item) => !evalFinished(item.status)) ? 2000 : 10_000,
      },
    ),
  );
  const [picked, setPicked] = useState<string[]>([]);
  const editable = can(team.role, "edit");
  const toggle = (id: string, on: boolean) =>
    setPicked((current) => (on ? [...current, id].slice(-5) : current.filter((item) => item !== id)));

  return (
    <div className="flex flex-col gap-8">
      <section aria-label="Test sets" className="flex flex-col gap-3">
        <div className="flex items-center justify-between">
          <h2 className="text-base font-semibold">Test sets</h2>
          {editable ? <NewSetButton /> : null}
        </div>
        {sets.isPending ? (
          <Loading what="test sets" />
        ) : sets.isError ? (
          <FieldError message={sets.error.message} />
        ) : sets.data.length === 0 ? (
          <EmptyState
            icon={FlaskConical}
            title="No test sets yet"
            description="A test set is a list of tasks with the checks their answers must pass. Make one here, import a file, or add a finished run from its page."
            action={editable ? <NewSetButton /> : undefined}
          />
        ) : (
          <Card className="overflow-hidden p-0">
            <table className="w-full">
              <thead className="border-b border-border bg-subtle">
                <tr>
                  <th className={th}>Name</th>
                  <th className={th}>Cases</th>
                  <th className={th}>Last evaluation</th>
                  <th className={th}>Changed</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {sets.data.map((set) => (
                  <tr key={set.id} data-testid="test-set-row">
                    <td className={td}>
                      <Link href={`/evals/sets/${set.id}`} className="font-medium hover:text-primary">
                        {set.name}
                      </Link>
                      {set.description ? (
                        <p className="truncate text-xs text-muted-foreground">{set.description}</p>
                      ) : null}
                    </td>
                    <td className={td}>{set.caseCount}</td>
                    <td className={td}>
                      {set.lastEval ? (
                        <Link href={`/evals/runs/${set.lastEval.id}`} className="hover:text-primary">
                          {formatPassRate(set.lastEval.passRate)}{" "}
                          <span className="text-muted-foreground">
                            · {set.lastEval.workflowName} {versionLabel(set.lastEval.versionNumber)}
                          </span>
                        </Link>
                      ) : (
                        <span className="text-muted-foreground">never evaluated</span>
                      )}
                    </td>
                    <td className={`${td} text-muted-foreground`}>
                      <RelativeTime date={set.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
      </section>

      <section aria-label="Recent evaluations" className="flex flex-col gap-3">
        <div className="flex items-center justify-between">
          <h2 className="text-base font-semibold">Recent evaluations</h2>
          <Button asChild={picked.length >= 2} size="sm" variant="secondary" disabled={picked.length < 2}>
            {picked.length >= 2 ? (
              <Link href={`/evals/compare?ids=${picked.join(",")}`}>
                <GitCompare /> Compare {picked.length}
              </Link>
            ) : (
              <>
                <GitCompare /> Compare
              </>
            )}
          </Button>
        </div>
        {evals.isPending ? (
          <Loading what="evaluations" />
        ) : evals.isError ? (
          <FieldError message={evals.error.message} />
        ) : evals.data.length === 0 ? (
          <p className="rounded-lg border border-dashed border-border px-4 py-8 text-center text-sm text-muted-foreground">
            No evaluations yet. Open a test set and evaluate a workflow on it.
          </p>
        ) : (
          <Card className="overflow-hidden p-0">
            <table className="w-full">
              <thead className="border-b border-border bg-subtle">
                <tr>
                  <th className={th}>
                    <span className="sr-only">Pick to compare</span>
                  </th>
                  <th className={th}>Test set</th>
                  <th className={th}>Workflow</th>
                  <th className={th}>Status</th>
                  <th className={th}>Pass rate</th>
                  <th className={th}>Cost</th>
                  <th className={th}>When</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {evals.data.map((item) => (
                  <tr key={item.id} data-testid="eval-row">
                    <td className={td}>
                      <input
                        type="checkbox"
                        aria-label={`Compare ${item.testSetName} · ${item.workflowName} ${versionLabel(item.versionNumber)}`}
                        disabled={item.status !== "finished"}
                        checked={picked.includes(item.id)}
                        onChange={(event) => toggle(item.id, event.currentTarget.checked)}
                      />
                    </td>
                    <td className={td}>
                      <Link href={`/evals/runs/${item.id}`} className="font-medium hover:text-primary">
                        {item.testSetName}
                      </Link>
                    </td>
                    <td className={td}>
                      {item.workflowName}{" "}
                      <span className="text-muted-foreground">{versionLabel(item.versionNumber)}</span>
                    </td>
                    <td className={td}>
                      <EvalStatusBadge status={item.status} />
                    </td>
                    <td className={td}>
                      {formatPassRate(item.summary?.passRate)}
                      <span className="ml-1 text-xs text-muted-foreground">
                        {item.casesDone}/{item.casesTotal}
                      </span>
                    </td>
                    <td className={td}>{formatCost(item.spentUsd)}</td>
                    <td className={`${td} text-muted-foreground`}>
                      <RelativeTime date={item.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
      </section>
    </div>
  );
}

function Loading({ what }: { what: string }) {
  return (
    <div className="flex items-center gap-2 py-6 text-sm text-muted-foreground">
      <Loader2 className="size-4 animate-spin" /> Loading {what}…
    </div>
  );
}

/** "New test set": a name and a description, then the new set's page. */
function NewSetButton() {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation(
    trpc.evaluation.createSet.mutationOptions({
      onSuccess: ({ id }) => router.push(`/evals/sets/${id}`),
    }),
  );
  const fields = create.error ? fieldErrorsOf(create.error) : {};
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button size="sm" onClick={() => setOpen(true)}>
        <Plus /> New test set
      </Button>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New test set</DialogTitle>
          <DialogDescription>Cases and their checks come next, on the set's page.</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate({ teamId: team.id, name, ...(description.trim() ? { description } : {}) });
          }}
        >
          <TestSetFields
            idPrefix="set"
            name={name}
            description={description}
            onName={setName}
            onDescription={setDescription}
            fields={fields}
          />
          {create.error && !Object.keys(fields).length ? (
            <FieldError message={errorMessageOf(create.error)} />
          ) : null}
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? <Loader2 className="animate-spin" /> : null}
              Create test set
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
