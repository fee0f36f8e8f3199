"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Braces, Loader2, Plus, Trash2 } from "lucide-react";
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
import { type CaseCheckKind, caseCheckKinds, type TestCaseInput, testCaseSchema } from "~/eval/test-set";
import { describeInputIssues, errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { useTRPC } from "~/trpc/react";

/** The kinds edited with form fields; every kind can also be edited as JSON. */
const formKinds = new Set<CaseCheckKind>(["exact", "contains", "regex", "numeric"]);

const kindLabels: Record<CaseCheckKind, string> = {
  exact: "Exact answer",
  contains: "Contains",
  regex: "Regular expression",
  numeric: "Number within tolerance",
  jsonSchema: "JSON Schema",
  python: "Python function",
  judge: "Model judge",
};

/** A new check of a kind, with the fields a person fills in next. */
function starterCheck(kind: CaseCheckKind): Record<string, unknown> {
  switch (kind) {
    case "exact":
    case "contains":
      return { kind, expected: "" };
    case "regex":
      return { kind, pattern: "", flags: "" };
    case "numeric":
      return { kind, expected: 0, tolerance: 0 };
    case "jsonSchema":
      return { kind, schema: { type: "object" } };
    case "python":
      return { kind, source: "def check(answer, run):\n    return True\n" };
    case "judge":
      return { kind, model: { provider: "openai", model: "gpt-4o-mini" }, rubric: "" };
  }
}

/** One check in the editor: its fields, or its JSON text when edited as JSON. */
type CheckRow = { uid: number; check: Record<string, unknown>; json: string | null };

let nextUid = 1;
const rowOf = (check: Record<string, unknown>): CheckRow => {
  const kind = check.kind as CaseCheckKind;
  return { uid: nextUid++, check, json: formKinds.has(kind) ? null : JSON.stringify(check, null, 2) };
};

/** The row's check as the schema reads it, or the JSON parse error of its text. */
function rowValue(row: CheckRow): { value: unknown } | { error: string } {
  if (row.json === null) return { value: row.check };
  try {
    return { value: JSON.parse(row.json) as unknown };
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The case being edited: its stored data (a TestCase) and id, or nothing for a new case. */
export type EditedCase = { id: string; data: TestCaseInput } | null;

/**
 * Add or edit one case: key, task, and its checks — exact, contains, regex and numeric with form
 * fields, any kind (JSON Schema, Python, judge, …) as JSON. Checked in the browser with the same
 * testCaseSchema the server uses, messages under their fields; then saveCase.
 */
export function CaseDialog({
  testSetId,
  edited,
  open,
  onOpenChange,
}: {
  testSetId: string;
  edited: EditedCase;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-h-[90dvh] max-w-2xl overflow-y-auto" aria-describedby={undefined}>
        {open ? <CaseForm testSetId={testSetId} edited={edited} onDone={() => onOpenChange(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function CaseForm({
  testSetId,
  edited,
  onDone,
}: {
  testSetId: string;
  edited: EditedCase;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [key, setKey] = useState(edited?.data.id ?? "");
  const [task, setTask] = useState(edited?.data.task ?? "");
  const [rows, setRows] = useState<CheckRow[]>(() =>
    (edited?.data.checks ?? [{ kind: "exact", expected: "" }]).map((check) =>
      rowOf(check as Record<string, unknown>),
    ),
  );
  const [problems, setProblems] = useState<Record<string, string>>({});
  const save = useMutation(
    trpc.evaluation.saveCase.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.evaluation.getSet.queryKey({ id: testSetId }) });
        onDone();
      },
    }),
  );
  const serverFields = save.error ? fieldErrorsOf(save.error) : {};
  const message = (path: string) => problems[path] ?? serverFields[`case.${path}`];

  const update = (uid: number, change: (row: CheckRow) => CheckRow) =>
    setRows((current) => current.map((row) => (row.uid === uid ? change(row) : row)));

  const submit = () => {
    const found: Record<string, string> = {};
    const checks = rows.map((row, index) => {
      const value = rowValue(row);
      if ("error" in value) found[`checks.${index}`] = value.error;
      return "value" in value ? value.value : null;
    });
    // Inputs, images and a recording the form does not edit are kept as they were.
    const candidate = { ...edited?.data, id: key.trim(), task, checks };
    const parsed = testCaseSchema.safeParse(candidate);
    if (!parsed.success)
      Object.assign(found, { ...describeInputIssues(parsed.error.issues).fields, ...found });
    setProblems(found);
    if (Object.keys(found).length) return;
    save.mutate({ testSetId, ...(edited ? { id: edited.id } : {}), case: candidate as TestCaseInput });
  };

  /** The messages of check `index` (the browser's, then the server's), each led by its field. */
  const checkMessages = (index: number) =>
    Object.entries({ ...problems, ...serverFields }).flatMap(([path, text]) => {
      const parts = path.split(".");
      const at = parts[0] === "case" ? 1 : 0;
      if (parts[at] !== "checks" || parts[at + 1] !== String(index)) return [];
      const field = parts.slice(at + 2).join(".");
      return [field ? `${field}: ${text}` : text];
    });

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
        <DialogTitle>{edited ? `Edit case “${edited.data.id}”` : "Add a case"}</DialogTitle>
        <DialogDescription>
          The task a run is given and the checks its answer must pass. A case passes when the run succeeds and
          every check passes.
        </DialogDescription>
      </DialogHeader>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="case-key">Key</Label>
        <Input
          id="case-key"
          value={key}
          placeholder="capital-of-sweden"
          onChange={(event) => setKey(event.currentTarget.value)}
          aria-invalid={Boolean(message("id"))}
        />
        <FieldError message={message("id")} />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="case-task">Task</Label>
        <textarea
          id="case-task"
          rows={3}
          className="rounded-md border border-input bg-background px-3 py-2 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30"
          value={task}
          onChange={(event) => setTask(event.currentTarget.value)}
          aria-invalid={Boolean(message("task"))}
        />
        <FieldError message={message("task")} />
      </div>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-medium">Checks</legend>
        {rows.length === 0 ? (
          <p className="text-sm text-muted-foreground">No checks: the case passes when the run succeeds.</p>
        ) : null}
        {rows.map((row, index) => (
          <CheckEditor
            key={row.uid}
            index={index}
            row={row}
            messages={checkMessages(index)}
            onChange={(change) => update(row.uid, change)}
            onRemove={() => setRows((current) => current.filter((item) => item.uid !== row.uid))}
          />
        ))}
        <div>
          <Button
            type="button"
            size="sm"
            variant="secondary"
            onClick={() => setRows((current) => [...current, rowOf(starterCheck("contains"))])}
          >
            <Plus /> Add check
          </Button>
        </div>
        <FieldError message={message("checks")} />
      </fieldset>
      {save.error && !Object.keys(serverFields).length ? (
        <FieldError message={errorMessageOf(save.error)} />
      ) : null}
      <DialogFooter>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? <Loader2 className="animate-spin" /> : null}
          Save case
        </Button>
      </DialogFooter>
    </form>
  );
}

const textareaClass =
  "w-full rounded-md border border-input bg-background px-3 py-2 font-mono text-xs shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30";

/** One check: its kind, its fields (or JSON), and remove. */
function CheckEditor({
  index,
  row,
  messages,
  onChange,
  onRemove,
}: {
  index: number;
  row: CheckRow;
  messages: string[];
  onChange: (change: (row: CheckRow) => CheckRow) => void;
  onRemove: () => void;
}) {
  const kind = (row.json === null ? row.check.kind : kindOfJson(row.json)) as CaseCheckKind | undefined;
  const set = (field: string, value: unknown) =>
    onChange((current) => ({ ...current, check: { ...current.check, [field]: value } }));
  const id = (field: string) => `check-${index}-${field}`;
  const toggleJson = () =>
    onChange((current) => {
      if (current.json === null) return { ...current, json: JSON.stringify(current.check, null, 2) };
      const value = rowValue(current);
      if ("error" in value || typeof value.value !== "object" || value.value === null) return current;
      const check = value.value as Record<string, unknown>;
      return formKinds.has(check.kind as CaseCheckKind) ? { ...current, check, json: null } : current;
    });
  return (
    <div data-testid="check-editor" className="flex flex-col gap-2 rounded-md border border-border p-3">
      <div className="flex items-center gap-2">
        <label htmlFor={id("kind")} className="sr-only">
          Check {index + 1} kind
        </label>
        <select
          id={id("kind")}
          className={nativeSelectClass}
          value={kind ?? ""}
          onChange={(event) => {
            const next = starterCheck(event.currentTarget.value as CaseCheckKind);
            onChange((current) => ({ ...rowOf(next), uid: current.uid }));
          }}
        >
          {kind && !caseCheckKinds.includes(kind) ? <option value={kind}>{kind}</option> : null}
          {caseCheckKinds.map((value) => (
            <option key={value} value={value}>
              {kindLabels[value]}
            </option>
          ))}
        </select>
        <Button
          type="button"
          size="sm"
          variant="ghost"
          aria-pressed={row.json !== null}
          disabled={row.json !== null && !formKinds.has(kind as CaseCheckKind)}
          onClick={toggleJson}
        >
          <Braces /> {row.json === null ? "Edit as JSON" : "Edit as form"}
        </Button>
        <Button
          type="button"
          size="icon"
          variant="ghost"
          className="ml-auto"
          aria-label={`Remove check ${index + 1}`}
          onClick={onRemove}
        >
          <Trash2 />
        </Button>
      </div>
      {row.json !== null ? (
        <textarea
          aria-label={`Check ${index + 1} as JSON`}
          rows={Math.min(14, Math.max(4, row.json.split("\n").length + 1))}
          className={textareaClass}
          spellCheck={false}
          value={row.json}
          onChange={(event) => {
            const json = event.currentTarget.value;
            onChange((current) => ({ ...current, json }));
          }}
        />
      ) : kind === "exact" || kind === "contains" ? (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("expected")}>
            {kind === "exact" ? "Expected answer" : "Text the answer contains"}
          </Label>
          <textarea
            id={id("expected")}
            rows={2}
            className={textareaClass}
            value={String(row.check.expected ?? "")}
            onChange={(event) => set("expected", event.currentTarget.value)}
          />
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={Boolean(row.check.caseSensitive ?? kind === "exact")}
              onChange={(event) => set("caseSensitive", event.currentTarget.checked)}
            />
            Case-sensitive
          </label>
        </div>
      ) : kind === "regex" ? (
        <div className="grid grid-cols-[1fr_6rem] gap-2">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={id("pattern")}>Pattern</Label>
            <Input
              id={id("pattern")}
              className="font-mono"
              value={String(row.check.pattern ?? "")}
              onChange={(event) => set("pattern", event.currentTarget.value)}
            />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={id("flags")}>Flags</Label>
            <Input
              id={id("flags")}
              className="font-mono"
              value={String(row.check.flags ?? "")}
              onChange={(event) => set("flags", event.currentTarget.value)}
            />
          </div>
        </div>
      ) : kind === "numeric" ? (
        <div className="grid grid-cols-2 gap-2">
          <NumberField
            id={id("expected")}
            label="Expected number"
            value={row.check.expected}
            onChange={(value) => set("expected", value)}
          />
          <NumberField
            id={id("tolerance")}
            label="Tolerance"
            value={row.check.tolerance}
            onChange={(value) => set("tolerance", value)}
          />
          <label className="col-span-2 flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={Boolean(row.check.relative)}
              onChange={(event) => set("relative", event.currentTarget.checked)}
            />
            Tolerance is a fraction of the expected number
          </label>
        </div>
      ) : null}
      {messages.map((text) => (
        <FieldError key={text} message={text} />
      ))}
    </div>
  );
}

/** A number input that keeps what is typed ("1.", "-") and hands on a number once it is one. */
function NumberField({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: unknown;
  onChange: (value: number | string | undefined) => void;
}) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        inputMode="decimal"
        value={text}
        onChange={(event) => {
          const typed = event.currentTarget.value;
          const number = Number(typed);
          setText(typed);
          onChange(typed.trim() === "" ? undefined : Number.isFinite(number) ? number : typed);
        }}
      />
    </div>
  );
}

/** The `kind` of a check written as JSON, if the text is an object naming one. */
function kindOfJson(json: string): string | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === "object" && value !== null && "kind" in value ? String(value.kind) : undefined;
  } catch {
    return undefined;
  }
}
