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

/** A dialog asking for a workflow name: used to create and to rename. */
export function WorkflowNameDialog({
  open,
  onOpenChange,
  title,
  description,
  submitLabel,
  initialName = "",
  pending,
  serverError,
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
