"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, CircleAlert, Download, Loader2, Pencil, Plus, Repeat, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { useConfirm } from "~/components/ui/confirm-dialog";
import { Dialog, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { EmptyState } from "~/components/ui/empty-state";
import { FieldError } from "~/components/ui/field-error";
import { RelativeTime } from "~/components/ui/relative-time";
import { toast } from "~/components/ui/toaster";
import type { CaseCheckInput, TestCaseInput } from "~/eval/test-set";
import { errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { formatCost } from "~/lib/run-format";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { CaseDialog, type EditedCase } from "./case-dialog";
import {
  EvalStatusBadge,
  evalFinished,
  formatPassRate,
  TestSetFields,
  td,
  th,
  versionLabel,
} from "./eval-parts";
import { EvaluatePanel } from "./evaluate-panel";
import { ImportDialog } from "./import-dialog";

type SetData = RouterOutputs["evaluation"]["getSet"];

const cut = (text: string, length = 40) => (text.length > length ? `${text.slice(0, length)}…` : text);

/** A check in a few words, for the cases table. */
export function checkSummary(check: CaseCheckInput): string {
  if (check.label) return check.label;
  switch (check.kind) {
    case "exact":
      return `equals “${cut(check.expected)}”`;
    case "contains":
      return `contains “${cut(check.expected)}”`;
    case "regex":
      return `matches /${cut(check.pattern)}/${check.flags ?? ""}`;
    case "numeric":
      return `≈ ${check.expected}${check.tolerance ? ` ± ${check.tolerance}${check.relative ? "×" : ""}` : ""}`;
    case "jsonSchema":
      return "fits a JSON Schema";
    case "python":
      return "Python check";
    case "judge":
      return `judged by ${check.model.model}`;
  }
}

/**
 * One test set: its cases (key, task, checks, replay badge, source run) with add/edit/delete, import
 * and export, rename and delete, the "Evaluate" panel and the set's evaluations.
 */
export function TestSetView({ setId }: { setId: string }) {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const set = useQuery(
    trpc.evaluation.getSet.queryOptions(
      { id: setId },
      {
        refetchInterval: (query) =>
          query.state.data?.evals.some((item) => !evalFinished(item.status)) ? 2000 : false,
      },
    ),
  );
  const [editing, setEditing] = useState<EditedCase>(null);
  const [caseOpen, setCaseOpen] = useState(false);
  const editable = can(team.role, "edit");
  const runnable = can(team.role, "run");

  if (set.isPending) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> Loading the test set…
      </div>
    );
  }
  if (set.isError) {
    return (
      <EmptyState
        icon={CircleAlert}
        title="This test set could not be loaded"
        description={set.error.message}
        action={
          <Button asChild variant="secondary">
            <Link href="/evals">
              <ArrowLeft /> Back to test sets
            </Link>
          </Button>
        }
      />
    );
  }
  const data = set.data;
  const openCase = (edited: EditedCase) => {
    setEditing(edited);
    setCaseOpen(true);
  };

  return (
    <div className="flex flex-col gap-6">
      <SetHeader data={data} editable={editable} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <section aria-label="Cases" className="flex min-w-0 flex-col gap-3">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="mr-auto text-base font-semibold">
              Cases <span className="text-muted-foreground">{data.cases.length}</span>
            </h2>
            {editable ? (
              <>
                <Button size="sm" onClick={() => openCase(null)}>
                  <Plus /> Add case
                </Button>
                <ImportDialog testSetId={setId} />
              </>
            ) : null}
            <ExportMenu setId={setId} disabled={data.cases.length === 0} />
          </div>
          {data.cases.length === 0 ? (
            <p className="rounded-lg border border-dashed border-border px-4 py-10 text-center text-sm text-muted-foreground">
              No cases yet. Add one, import a file, or use “Add to test set” on a finished run's page.
            </p>
          ) : (
            <Card className="overflow-x-auto p-0">
              <table className="w-full">
                <thead className="border-b border-border bg-subtle">
                  <tr>
                    <th className={th}>Key</th>
                    <th className={th}>Task</th>
                    <th className={th}>Checks</th>
                    <th className={th}>Source</th>
                    {editable ? (
                      <th className={th}>
                        <span className="sr-only">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody className="divide-y divide-border">
                  {data.cases.map((testCase) => (
                    <CaseRow
                      key={testCase.id}
                      testCase={testCase}
                      setId={setId}
                      editable={editable}
                      onEdit={() => openCase({ id: testCase.id, data: testCase.data as TestCaseInput })}
                    />
                  ))}
                </tbody>
              </table>
            </Card>
          )}
          <SetEvaluations evals={data.evals} />
        </section>
        <aside className="flex flex-col gap-4">
          {runnable ? <EvaluatePanel testSetId={setId} caseCount={data.cases.length} /> : null}
        </aside>
      </div>
      {editable ? (
        <CaseDialog testSetId={setId} edited={editing} open={caseOpen} onOpenChange={setCaseOpen} />
      ) : null}
    </div>
  );
}

function CaseRow({
  testCase,
  setId,
  editable,
  onEdit,
}: {
  testCase: SetData["cases"][number];
  setId: string;
  editable: boolean;
  onEdit: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirm, confirmDialog] = useConfirm();
  const remove = useMutation(
    trpc.evaluation.deleteCase.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.evaluation.getSet.queryKey({ id: setId }) }),
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );
  const checks = ((testCase.data as TestCaseInput).checks ?? []) as CaseCheckInput[];
  return (
    <tr data-testid="case-row" data-key={testCase.key}>
      <td className={`${td} font-mono text-xs`}>{testCase.key}</td>
      <td className={`${td} max-w-xs`}>
        <p className="line-clamp-2">{testCase.task}</p>
      </td>
      <td className={td}>
        {checks.length === 0 ? (
          <span className="text-muted-foreground">run succeeds</span>
        ) : (
          <ul className="flex flex-col gap-0.5 text-xs">
            {checks.map((check, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: checks have no id of their own
              <li key={index}>{checkSummary(check)}</li>
            ))}
          </ul>
        )}
      </td>
      <td className={td}>
        <div className="flex flex-col items-start gap-1">
          {testCase.replay ? (
            <span
              data-testid="replay-badge"
              title="Replays the recorded model answers: runs offline, and reports where the steps leave the recording."
              className="inline-flex items-center gap-1 rounded-full border border-violet-200 bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-700"
            >
              <Repeat aria-hidden className="size-3" /> replay
            </span>
          ) : null}
          {testCase.sourceRunId ? (
            <Link href={`/runs/${testCase.sourceRunId}`} className="text-xs text-primary hover:underline">
              source run
            </Link>
          ) : null}
        </div>
      </td>
      {editable ? (
        <td className={`${td} whitespace-nowrap text-right`}>
          <Button size="icon" variant="ghost" aria-label={`Edit case ${testCase.key}`} onClick={onEdit}>
            <Pencil />
          </Button>
          <Button
            size="icon"
            variant="ghost"
            aria-label={`Delete case ${testCase.key}`}
            disabled={remove.isPending}
            onClick={async () => {
              const yes = await confirm({
                title: `Delete case “${testCase.key}”?`,
                description: "Past evaluations keep their copy of it.",
                confirmLabel: "Delete case",
                destructive: true,
              });
              if (yes) remove.mutate({ id: testCase.id });
            }}
          >
            <Trash2 />
          </Button>
          {confirmDialog}
        </td>
      ) : null}
    </tr>
  );
}

/** The set's name and description, the way back, rename and delete. */
function SetHeader({ data, editable }: { data: SetData; editable: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [confirm, confirmDialog] = useConfirm();
  const [renaming, setRenaming] = useState(false);
  const remove = useMutation(
    trpc.evaluation.deleteSet.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.evaluation.listSets.pathKey() });
        router.push("/evals");
      },
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );
  return (
    <div>
      <Link
        href="/evals"
        className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-3.5" /> Evaluate
      </Link>
      <div className="mt-2 flex flex-wrap items-start justify-between gap-4 border-b border-border pb-5">
        <div className="min-w-0">
          <h1 className="truncate text-2xl font-semibold tracking-tight">{data.name}</h1>
          <p className="mt-1 text-sm text-muted-foreground">
            {data.description ? `${data.description} · ` : ""}changed <RelativeTime date={data.updatedAt} />
          </p>
        </div>
        {editable ? (
          <div className="flex items-center gap-2">
            <Button size="sm" variant="secondary" onClick={() => setRenaming(true)}>
              <Pencil /> Rename
            </Button>
            <Button
              size="sm"
              variant="destructive"
              disabled={remove.isPending}
              onClick={async () => {
                const yes = await confirm({
                  title: `Delete “${data.name}”?`,
                  description: `Its ${data.cases.length} case${data.cases.length === 1 ? "" : "s"} go with it. This cannot be undone.`,
                  confirmLabel: "Delete test set",
                  destructive: true,
                });
                if (yes) remove.mutate({ id: data.id });
              }}
            >
              <Trash2 /> Delete
            </Button>
          </div>
        ) : null}
      </div>
      {renaming ? <RenameDialog data={data} onClose={() => setRenaming(false)} /> : null}
      {confirmDialog}
    </div>
  );
}

function RenameDialog({ data, onClose }: { data: SetData; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(data.name);
  const [description, setDescription] = useState(data.description ?? "");
  const update = useMutation(
    trpc.evaluation.updateSet.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.evaluation.getSet.queryKey({ id: data.id }) });
        onClose();
      },
    }),
  );
  const fields = update.error ? fieldErrorsOf(update.error) : {};
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent aria-describedby={undefined}>
        <DialogHeader>
          <DialogTitle>Rename test set</DialogTitle>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            update.mutate({ id: data.id, name, description });
          }}
        >
          <TestSetFields
            idPrefix="rename-set"
            name={name}
            description={description}
            onName={setName}
            onDescription={setDescription}
            fields={fields}
          />
          {update.error && !Object.keys(fields).length ? (
            <FieldError message={errorMessageOf(update.error)} />
          ) : null}
          <DialogFooter>
            <Button type="submit" disabled={update.isPending}>
              Save
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** "Export": the set as a JSON, JSONL or CSV download. */
function ExportMenu({ setId, disabled }: { setId: string; disabled: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const download = async (format: "json" | "jsonl" | "csv") => {
    try {
      const file = await queryClient.fetchQuery(
        trpc.evaluation.exportSet.queryOptions({ id: setId, format }),
      );
      const url = URL.createObjectURL(
        new Blob([file.content], { type: format === "csv" ? "text/csv" : "application/json" }),
      );
      const link = document.createElement("a");
      link.href = url;
      link.download = file.fileName;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      toast.error(errorMessageOf(error));
    }
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild disabled={disabled}>
        <Button size="sm" variant="secondary">
          <Download /> Export
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => void download("json")}>JSON</DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void download("jsonl")}>JSONL</DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void download("csv")}>CSV</DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/** The evaluations run on this set, newest first. */
function SetEvaluations({ evals }: { evals: SetData["evals"] }) {
  if (evals.length === 0) return null;
  return (
    <div className="mt-4 flex flex-col gap-2">
      <h2 className="text-base font-semibold">Evaluations of this set</h2>
      <Card className="overflow-hidden p-0">
        <table className="w-full">
          <tbody className="divide-y divide-border">
            {evals.map((item) => (
              <tr key={item.id} data-testid="set-eval-row">
                <td className={td}>
                  <Link href={`/evals/runs/${item.id}`} className="font-medium hover:text-primary">
                    {item.workflowName} {versionLabel(item.versionNumber)}
                  </Link>
                </td>
                <td className={td}>
                  <EvalStatusBadge status={item.status} />
                </td>
                <td className={td}>{formatPassRate(item.summary?.passRate)}</td>
                <td className={td}>{formatCost(item.spentUsd)}</td>
                <td className={`${td} text-muted-foreground`}>
                  <RelativeTime date={item.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
