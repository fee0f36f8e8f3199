"use client";

import { Plus, Trash2 } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import { type FinalAnswerCheckData, type GraphIssue, MAX_FINAL_ANSWER_CHECKS } from "~/graph";
import { CodeEditor } from "./code-editor";

const inputClass =
  "w-full rounded-md border border-input bg-background px-2 py-1 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** A name no other check has: `base`, `base_2`, … */
export function freshCheckName(checks: readonly { name: string }[], base: string): string {
  const taken = new Set(checks.map((check) => check.name));
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}

/** A new check of a kind, named so it does not clash with the others. */
export function newCheck(kind: FinalAnswerCheckData["kind"], checks: readonly { name: string }[]) {
  if (kind === "jsonSchema") {
    return { kind, name: freshCheckName(checks, "matches_schema"), schema: { type: "string" } } as const;
  }
  const name = freshCheckName(checks, "check_answer");
  return {
    kind,
    name,
    source: `def ${name}(answer, memory) -> bool:\n    """Return True to accept the final answer; False or an exception rejects it."""\n    return answer is not None\n`,
  } as const;
}

/**
 * The agent inspector's final-answer checks (smolagents' final_answer_checks): Python functions
 * `def name(answer, memory) -> bool` run in a sandbox, or a JSON Schema the answer must match.
 * Problems come from `validate` (issue paths `data.finalAnswerChecks.<i>.<field>`).
 */
export function FinalAnswerChecksEditor({
  checks,
  issues,
  readOnly,
  onChange,
}: {
  checks: readonly FinalAnswerCheckData[];
  issues: readonly GraphIssue[];
  readOnly: boolean;
  onChange: (checks: FinalAnswerCheckData[] | undefined) => void;
}) {
  const update = (index: number, check: FinalAnswerCheckData) =>
    onChange(checks.map((c, i) => (i === index ? check : c)));
  const remove = (index: number) => {
    const rest = checks.filter((_, i) => i !== index);
    onChange(rest.length ? rest : undefined);
  };
  const fieldIssues = (index: number, field: string) =>
    issues.filter((i) => i.path[3] === "finalAnswerChecks" && i.path[4] === index && i.path[5] === field);
  return (
    <section className="mt-4 space-y-2" data-testid="final-answer-checks">
      <h3 className="text-xs font-medium">Final-answer checks</h3>
      <p className="text-xs text-muted-foreground">
        Every final answer must pass these, in order. A rejection is shown to the model as the step's error
        and the run goes on.
      </p>
      {checks.map((check, index) => (
        <CheckCard
          // biome-ignore lint/suspicious/noArrayIndexKey: checks have no id; a name may be edited
          key={index}
          index={index}
          check={check}
          readOnly={readOnly}
          issuesOf={(field) => fieldIssues(index, field)}
          onChange={(next) => update(index, next)}
          onRemove={() => remove(index)}
        />
      ))}
      <div className="flex flex-wrap gap-2">
        {(["python", "jsonSchema"] as const).map((kind) => (
          <Button
            key={kind}
            variant="secondary"
            size="sm"
            data-testid={`add-check-${kind}`}
            disabled={readOnly || checks.length >= MAX_FINAL_ANSWER_CHECKS}
            onClick={() => onChange([...checks, newCheck(kind, checks)])}
          >
            <Plus /> {kind === "python" ? "Python check" : "JSON Schema check"}
          </Button>
        ))}
      </div>
    </section>
  );
}

function Issues({ issues }: { issues: readonly GraphIssue[] }) {
  return issues.map((issue) => (
    <p key={issue.message} data-testid="field-issue" className="mt-0.5 text-xs text-destructive">
      {issue.message}
    </p>
  ));
}

function CheckCard({
  index,
  check,
  readOnly,
  issuesOf,
  onChange,
  onRemove,
}: {
  index: number;
  check: FinalAnswerCheckData;
  readOnly: boolean;
  issuesOf: (field: string) => GraphIssue[];
  onChange: (check: FinalAnswerCheckData) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const nameIssues = issuesOf("name");
  return (
    <div className="space-y-2 rounded-md border border-border p-2" data-testid={`check-${index}`}>
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-medium text-muted-foreground">
          {check.kind === "python" ? "Python check" : "JSON Schema check"}
        </span>
        <Button
          variant="ghost"
          size="icon"
          aria-label={`Remove check ${check.name || index + 1}`}
          disabled={readOnly}
          onClick={onRemove}
        >
          <Trash2 />
        </Button>
      </div>
      <div>
        <label htmlFor={`${id}-name`} className="mb-1 block text-xs font-medium">
          Name
        </label>
        <input
          id={`${id}-name`}
          data-testid={`check-${index}-name`}
          className={cn(inputClass, nameIssues.length > 0 && "border-destructive")}
          value={check.name}
          readOnly={readOnly}
          spellCheck={false}
          onChange={(e) => onChange({ ...check, name: e.target.value })}
        />
        <Issues issues={nameIssues} />
      </div>
      {check.kind === "python" ? (
        <div>
          <CodeEditor
            value={check.source}
            onChange={(source) => onChange({ ...check, source })}
            language="python"
            label={`Check ${check.name} source`}
            readOnly={readOnly}
            testId={`check-${index}-source`}
            minHeight="6rem"
          />
          <p className="mt-0.5 text-xs text-muted-foreground">
            <code>def {check.name || "check"}(answer, memory) -&gt; bool</code>; <code>memory.steps</code>{" "}
            holds the steps so far.
          </p>
          <Issues issues={issuesOf("source")} />
        </div>
      ) : (
        <SchemaText
          id={`${id}-schema`}
          testId={`check-${index}-schema`}
          value={check.schema}
          readOnly={readOnly}
          issues={issuesOf("schema")}
          onChange={(schema) => onChange({ ...check, schema })}
        />
      )}
    </div>
  );
}

/** A JSON Schema as text: committed on blur when it parses to an object, else the parse error. */
function SchemaText({
  id,
  testId,
  value,
  readOnly,
  issues,
  onChange,
}: {
  id: string;
  testId: string;
  value: Record<string, unknown>;
  readOnly: boolean;
  issues: readonly GraphIssue[];
  onChange: (schema: Record<string, unknown>) => void;
}) {
  const [text, setText] = useState(JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(JSON.stringify(value, null, 2)), [value]);
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium">
        JSON Schema of the answer
      </label>
      <textarea
        id={id}
        data-testid={testId}
        rows={4}
        spellCheck={false}
        className={cn(
          inputClass,
          "resize-y font-mono text-xs",
          (error || issues.length > 0) && "border-destructive",
        )}
        value={text}
        readOnly={readOnly}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          try {
            const parsed: unknown = JSON.parse(text);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
              setError("The JSON Schema must be an object");
              return;
            }
            setError(null);
            onChange(parsed as Record<string, unknown>);
          } catch (e) {
            setError(`Invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
          }
        }}
      />
      {error ? <p className="mt-0.5 text-xs text-destructive">{error}</p> : null}
      <Issues issues={issues} />
    </div>
  );
}
