"use client";

import { Loader2 } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
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

/** The name rules of the server, checked before sending so errors appear at once. */
export function checkWorkflowName(name: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return "Give the workflow a name.";
  if (trimmed.length > 100) return "Workflow names are at most 100 characters.";
  return undefined;
}

/** What a create or rename adds when other workflows of the team have the same name. */
export function sameNameNote(sameName: number): string {
  if (sameName === 0) return "";
  return ` ${sameName === 1 ? "Another workflow" : `${sameName} other workflows`} of this team ${sameName === 1 ? "has" : "have"} the same name.`;
}

/**
 * A dialog asking for a workflow name: used to create and to rename. A name among `takenNames` (the
 * team's workflows the page has loaded) is allowed, and said under the field.
 */
export function WorkflowNameDialog({
  open,
  onOpenChange,
  title,
  description,
  submitLabel,
  initialName = "",
  pending,
  serverError,
  takenNames = [],
  onSubmit,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: string;
  submitLabel: string;
  initialName?: string;
  pending: boolean;
  serverError?: string;
  takenNames?: readonly string[];
  onSubmit: (name: string) => void;
}) {
  const [name, setName] = useState(initialName);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (open) {
      setName(initialName);
      setError(undefined);
    }
  }, [open, initialName]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = checkWorkflowName(name);
    setError(problem);
    if (!problem) onSubmit(name.trim());
  };
  const shown = error ?? serverError;
  const taken = !shown && takenNames.includes(name.trim());

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-5">
          <div className="grid gap-1.5">
            <Label htmlFor="workflow-name">Name</Label>
            <Input
              id="workflow-name"
              name="name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              placeholder="Research assistant"
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? "workflow-name-error" : undefined}
              autoFocus
              autoComplete="off"
            />
            <FieldError id="workflow-name-error" message={shown} />
            {taken ? (
              <p role="status" data-testid="same-name-note" className="text-sm text-amber-800">
                Another workflow of this team is already named “{name.trim()}”. Pick another name to tell them
                apart, or keep it. To copy a workflow, use Duplicate in its menu.
              </p>
            ) : null}
          </div>
          <DialogFooter>
            <Button variant="secondary" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending ? <Loader2 className="animate-spin" /> : null}
              {submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
