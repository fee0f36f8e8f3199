"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2, Upload } from "lucide-react";
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
import { toast } from "~/components/ui/toaster";
import { errorMessageOf } from "~/lib/input-errors";
import { trpcBounds } from "~/lib/trpc-bounds";
import { useTRPC } from "~/trpc/react";

/**
 * The server's refusal of a file as a heading and its problems, one a line (it writes "name cannot be
 * imported:" and then each problem with its line and field on a line of its own).
 */
export function problemsOf(message: string): { heading: string; problems: string[] } {
  const [first = "", ...rest] = message.split("\n").map((line) => line.trim());
  const problems = rest.filter(Boolean);
  return problems.length && first.endsWith(":")
    ? { heading: first, problems }
    : { heading: "The file was not imported:", problems: [first, ...problems].filter(Boolean) };
}

/** The most a file may be through the app: the request body bound, less room for its envelope. */
const importBytes = trpcBounds.maxBodyBytes - 1024 * 1024;

/**
 * Import cases from a .csv, .jsonl or .json file, appended to the set or replacing its cases. The
 * server checks the whole file first: a file with problems changes nothing, and its problems show here.
 */
export function ImportDialog({ testSetId }: { testSetId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<"append" | "replace">("append");
  const [problem, setProblem] = useState<string>();
  const importCases = useMutation(
    trpc.evaluation.importCases.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries({ queryKey: trpc.evaluation.getSet.queryKey({ id: testSetId }) });
        toast.success(
          `Imported ${result.added} case${result.added === 1 ? "" : "s"}${result.replaced ? `, ${result.replaced} replaced` : ""}; ${result.total} in the set.`,
        );
        setOpen(false);
      },
    }),
  );
  const submit = async () => {
    if (!file) return setProblem("Pick a .csv, .jsonl or .json file.");
    if (file.size > importBytes)
      return setProblem(
        `Files imported here are at most ${importBytes / 1024 / 1024} MB; import larger sets with the command line.`,
      );
    setProblem(undefined);
    importCases.mutate({ testSetId, fileName: file.name, content: await file.text(), mode });
  };
  const refusal = importCases.error ? problemsOf(errorMessageOf(importCases.error)) : undefined;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          importCases.reset();
          setFile(null);
          setProblem(undefined);
        }
      }}
    >
      <Button size="sm" variant="secondary" onClick={() => setOpen(true)}>
        <Upload /> Import
      </Button>
      <DialogContent className="max-w-lg">
        <DialogHeader>
          <DialogTitle>Import cases</DialogTitle>
          <DialogDescription>
            A test set file: JSON (the exported form), JSONL (one case a line) or CSV (id, task, expected,
            checks). Nothing is stored unless the whole file is right.
          </DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <label className="flex flex-col gap-1.5 text-sm font-medium">
            File
            <input
              type="file"
              accept=".csv,.jsonl,.json,text/csv,application/json"
              className="text-sm font-normal"
              onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
            />
          </label>
          <fieldset className="flex flex-col gap-1 text-sm">
            <legend className="mb-1 font-medium">Cases already in the set</legend>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="import-mode"
                checked={mode === "append"}
                onChange={() => setMode("append")}
              />
              Keep them and add the file's (a case with the same key is replaced)
            </label>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="import-mode"
                checked={mode === "replace"}
                onChange={() => setMode("replace")}
              />
              Replace them all with the file's
            </label>
          </fieldset>
          <FieldError message={problem} />
          {refusal ? (
            <div
              role="alert"
              data-testid="import-problems"
              className="rounded-md border border-red-200 bg-red-50 p-3"
            >
              <p className="text-sm font-medium text-red-800">{refusal.heading}</p>
              <ul className="mt-1 max-h-48 list-disc overflow-y-auto pl-5 text-sm text-red-800">
                {refusal.problems.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </div>
          ) : null}
          <DialogFooter>
            <Button type="submit" disabled={importCases.isPending}>
              {importCases.isPending ? <Loader2 className="animate-spin" /> : null}
              Import
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
