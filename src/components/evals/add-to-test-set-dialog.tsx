"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FlaskConical, Loader2 } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { nativeSelectClass } from "~/components/ui/select-class";
import { caseIdSchema } from "~/eval/test-set";
import { errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { useTRPC } from "~/trpc/react";
import { answerText } from "./eval-parts";

const NEW_SET = "new";

/** A key suggested for a run's case: the task's first words, as a case id allows. */
function suggestedKey(task: string): string {
  const words = task
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return words || "case";
}

/**
 * "Add to test set" on a finished run's page: into an existing set or a new one, with a key, the task,
 * the expected answer (the run's final answer, editable, or none) and whether to freeze the run as a
 * regression case that replays its recorded model answers → addRunAsCase, then a link to the set.
 */
export function AddToTestSetButton({
  runId,
  teamId,
  task,
  output,
}: {
  runId: string;
  teamId: string;
  task: string;
  output: unknown;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)}>
        <FlaskConical /> Add to test set
      </Button>
      <DialogContent className="max-w-lg">
        {open ? <AddForm runId={runId} teamId={teamId} task={task} output={output} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function AddForm({
  runId,
  teamId,
  task,
  output,
}: {
  runId: string;
  teamId: string;
  task: string;
  output: unknown;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sets = useQuery(trpc.evaluation.listSets.queryOptions({ teamId }));
  const [setChoice, setSetChoice] = useState<string>("");
  const [newSetName, setNewSetName] = useState("");
  const [key, setKey] = useState(() => suggestedKey(task));
  const [caseTask, setCaseTask] = useState(task);
  const [expected, setExpected] = useState(() => answerText(output));
  const [noExpected, setNoExpected] = useState(false);
  const [freeze, setFreeze] = useState(false);
  const [problem, setProblem] = useState<Record<string, string>>({});
  const add = useMutation(
    trpc.evaluation.addRunAsCase.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.evaluation.listSets.pathKey() }),
    }),
  );
  const choice = setChoice || (sets.data?.[0]?.id ?? NEW_SET);
  const fields = { ...(add.error ? fieldErrorsOf(add.error) : {}), ...problem };

  if (add.data) {
    return (
      <>
        <DialogHeader>
          <DialogTitle>Added to the test set</DialogTitle>
          <DialogDescription>
            The run is case “{add.data.key}”{freeze ? ", frozen: it replays the recorded model answers" : ""}.
          </DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <Button asChild>
            <Link href={`/evals/sets/${add.data.testSetId}`}>Open the test set</Link>
          </Button>
        </DialogFooter>
      </>
    );
  }

  const submit = () => {
    const found: Record<string, string> = {};
    const parsedKey = caseIdSchema.safeParse(key.trim());
    if (!parsedKey.success) found.key = parsedKey.error.issues[0]?.message ?? "Give the case a key.";
    if (!caseTask.trim()) found.task = "Give the case a task.";
    if (choice === NEW_SET && !newSetName.trim()) found.newSetName = "Name the new test set.";
    setProblem(found);
    if (Object.keys(found).length) return;
    add.mutate({
      runId,
      ...(choice === NEW_SET ? { newSetName: newSetName.trim() } : { testSetId: choice }),
      key: key.trim(),
      task: caseTask,
      expected: noExpected ? null : expected,
      freeze,
    });
  };

  return (
    <form
      className="flex flex-col gap-4"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <DialogHeader>
        <DialogTitle>Add to test set</DialogTitle>
        <DialogDescription>
          This run's task and inputs become a case; its answer, the expected one.
        </DialogDescription>
      </DialogHeader>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="add-set">Test set</Label>
        <select
          id="add-set"
          className={nativeSelectClass}
          value={choice}
          onChange={(event) => setSetChoice(event.currentTarget.value)}
          disabled={sets.isPending}
        >
          {sets.data?.map((set) => (
            <option key={set.id} value={set.id}>
              {set.name} ({set.caseCount} case{set.caseCount === 1 ? "" : "s"})
            </option>
          ))}
          <option value={NEW_SET}>New test set…</option>
        </select>
      </div>
      {choice === NEW_SET ? (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="add-new-set">New test set name</Label>
          <Input
            id="add-new-set"
            value={newSetName}
            onChange={(event) => setNewSetName(event.currentTarget.value)}
            aria-invalid={Boolean(fields.newSetName)}
          />
          <FieldError message={fields.newSetName} />
        </div>
      ) : null}
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="add-key">Key</Label>
        <Input
          id="add-key"
          className="font-mono"
          value={key}
          onChange={(event) => setKey(event.currentTarget.value)}
          aria-invalid={Boolean(fields.key)}
        />
        <FieldError message={fields.key} />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="add-task">Task</Label>
        <textarea
          id="add-task"
          rows={3}
          className="rounded-md border border-input bg-background px-3 py-2 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30"
          value={caseTask}
          onChange={(event) => setCaseTask(event.currentTarget.value)}
        />
        <FieldError message={fields.task} />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="add-expected">Expected answer</Label>
        <textarea
          id="add-expected"
          rows={3}
          disabled={noExpected}
          className="rounded-md border border-input bg-background px-3 py-2 font-mono text-xs shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30 disabled:opacity-50"
          value={expected}
          onChange={(event) => setExpected(event.currentTarget.value)}
        />
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={noExpected}
            onChange={(event) => setNoExpected(event.currentTarget.checked)}
          />
          No expected answer (add checks on the set's page)
        </label>
        <FieldError message={fields.expected} />
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          className="mt-1"
          checked={freeze}
          onChange={(event) => setFreeze(event.currentTarget.checked)}
        />
        <span>
          Freeze as regression case (replay the recorded model answers)
          <span className="block text-xs text-muted-foreground">
            Runs offline at no model cost and reports the first step where a new version leaves this run's
            steps.
          </span>
        </span>
      </label>
      {add.error && !Object.keys(fieldErrorsOf(add.error)).length ? (
        <FieldError message={errorMessageOf(add.error)} />
      ) : null}
      <DialogFooter>
        <Button type="submit" disabled={add.isPending}>
          {add.isPending ? <Loader2 className="animate-spin" /> : null}
          Add case
        </Button>
      </DialogFooter>
    </form>
  );
}
