"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Loader2, Pencil, Plus, RefreshCw, Server, Trash2 } from "lucide-react";
import { type FormEvent, useState } from "react";
import { PageHeader } from "~/components/layout/page-header";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
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
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { RelativeTime } from "~/components/ui/relative-time";
import { toast } from "~/components/ui/toaster";
import { describeOrigins } from "~/graph/key-binding";
import { errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type Secret = RouterOutputs["secret"]["list"]["secrets"][number];

/** What the open dialog does: add a secret, or act on one. */
type Editing =
  | { kind: "create" }
  | { kind: "replace"; secret: Secret }
  | { kind: "edit"; secret: Secret }
  | { kind: "delete"; secret: Secret };

/** The first field message of a tRPC input error, or its message in words. */
function errorText(error: unknown): string {
  return Object.values(fieldErrorsOf(error))[0] ?? errorMessageOf(error);
}

/**
 * The team's credentials: admins add, replace, edit and delete secrets; editors see their names,
 * to pick them on the canvas. Values are typed in here and never shown again.
 */
export function CredentialsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const team = useCurrentTeam();
  const canUse = can(team.role, "edit");
  const listOptions = trpc.secret.list.queryOptions({ teamId: team.id });
  const list = useQuery({ ...listOptions, enabled: canUse });
  const [editing, setEditing] = useState<Editing>();
  const [error, setError] = useState<string>();
  const close = () => {
    setEditing(undefined);
    setError(undefined);
  };
  const done = (message: string) => async () => {
    toast.success(message);
    close();
    await queryClient.invalidateQueries({ queryKey: listOptions.queryKey });
  };
  const onError = (failure: { message: string; data?: unknown }) => setError(errorText(failure));
  const create = useMutation(trpc.secret.create.mutationOptions({ onError }));
  const replace = useMutation(trpc.secret.replaceValue.mutationOptions({ onError }));
  const update = useMutation(trpc.secret.update.mutationOptions({ onError }));
  const remove = useMutation(trpc.secret.delete.mutationOptions({ onError }));
  const pending = create.isPending || replace.isPending || update.isPending || remove.isPending;
  const canManage = list.data?.canManage ?? false;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!editing) return;
    const form = new FormData(event.currentTarget);
    const text = (field: string) => String(form.get(field) ?? "");
    setError(undefined);
    switch (editing.kind) {
      case "create":
        create.mutate(
          {
            teamId: team.id,
            name: text("name"),
            value: text("value"),
            allowedHost: text("allowedHost"),
            description: text("description"),
          },
          { onSuccess: done(`Added ${text("name")}.`) },
        );
        return;
      case "replace":
        replace.mutate(
          { teamId: team.id, name: editing.secret.name, value: text("value") },
          { onSuccess: done(`Replaced the value of ${editing.secret.name}.`) },
        );
        return;
      case "edit":
        update.mutate(
          {
            teamId: team.id,
            name: editing.secret.name,
            allowedHost: text("allowedHost"),
            description: text("description"),
          },
          { onSuccess: done(`Saved ${editing.secret.name}.`) },
        );
        return;
      case "delete":
        remove.mutate(
          { teamId: team.id, name: editing.secret.name },
          { onSuccess: done(`Deleted ${editing.secret.name}.`) },
        );
        return;
    }
  };

  return (
    <>
      <PageHeader
        title="Credentials"
        description="API keys and tokens your team's workflows use, by name. Values are encrypted on the server and never shown again, not even to admins."
        actions={
          canManage ? (
            <Button data-testid="add-secret" onClick={() => setEditing({ kind: "create" })}>
              <Plus /> Add secret
            </Button>
          ) : undefined
        }
      />
      <section className="mt-8 grid gap-8">
        {!canUse ? (
          <p role="alert" className="py-16 text-center text-sm text-muted-foreground">
            Viewers cannot see this team's credentials. Ask an admin for the editor role.
          </p>
        ) : list.isPending ? (
          <div className="flex items-center justify-center gap-2 py-16 text-sm text-muted-foreground">
            <Loader2 className="size-4 animate-spin" /> Loading credentials…
          </div>
        ) : list.isError ? (
          <p role="alert" className="py-16 text-center text-sm text-destructive">
            Could not load the credentials: {list.error.message}
          </p>
        ) : (
          <>
            {!canManage ? (
              <p className="text-sm text-muted-foreground" data-testid="secrets-read-only">
                Only admins can add or change secrets; you can pick these names on the canvas.
              </p>
            ) : null}
            {list.data.secrets.length === 0 ? (
              <EmptyState
                icon={KeyRound}
                title="No team secrets yet"
                description="Add a provider key or an API token; model and tool nodes then pick it by name."
              />
            ) : (
              <div className="overflow-hidden rounded-lg border border-border shadow-card">
                <div className="grid grid-cols-[1fr_10rem_9rem_9rem_7rem] items-center gap-3 border-b border-border bg-subtle px-4 py-2.5 text-xs font-medium text-muted-foreground">
                  <span>Secret</span>
                  <span>Sent only to</span>
                  <span>Last used</span>
                  <span>Added</span>
                  <span className="sr-only">Actions</span>
                </div>
                <ul aria-label="Team secrets" className="divide-y divide-border">
                  {list.data.secrets.map((secret) => (
                    <li
                      key={secret.id}
                      data-testid="secret-row"
                      data-name={secret.name}
                      className="grid grid-cols-[1fr_10rem_9rem_9rem_7rem] items-center gap-3 px-4 py-3"
                    >
                      <span className="min-w-0">
                        <span className="block truncate font-mono text-sm font-medium">{secret.name}</span>
                        <span className="block truncate text-xs text-muted-foreground">
                          {secret.description || "No description"}
                        </span>
                      </span>
                      <span className="truncate text-sm">{secret.allowedHost ?? "any host"}</span>
                      <span className="text-sm text-muted-foreground">
                        {secret.lastUsedAt ? <RelativeTime date={secret.lastUsedAt} /> : "never"}
                      </span>
                      <span className="min-w-0 text-sm text-muted-foreground">
                        <RelativeTime date={secret.createdAt} />
                        {secret.createdBy ? (
                          <span className="block truncate text-xs">
                            by {secret.createdBy.name ?? secret.createdBy.email}
                          </span>
                        ) : null}
                      </span>
                      <span className="flex justify-end gap-1">
                        {canManage ? (
                          <>
                            <Button
                              variant="ghost"
                              size="icon"
                              aria-label={`Replace the value of ${secret.name}`}
                              onClick={() => setEditing({ kind: "replace", secret })}
                            >
                              <RefreshCw />
                            </Button>
                            <Button
                              variant="ghost"
                              size="icon"
                              aria-label={`Edit ${secret.name}`}
                              onClick={() => setEditing({ kind: "edit", secret })}
                            >
                              <Pencil />
                            </Button>
                            <Button
                              variant="ghost"
                              size="icon"
                              aria-label={`Delete ${secret.name}`}
                              onClick={() => setEditing({ kind: "delete", secret })}
                            >
                              <Trash2 />
                            </Button>
                          </>
                        ) : null}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {list.data.installation.length > 0 ? (
              <div>
                <h2 className="text-sm font-medium">Installation secrets</h2>
                <p className="mt-1 text-sm text-muted-foreground">
                  Keys this server's operator configured. Models may use them, only at their own endpoints; a
                  team secret of the same name takes their place.
                </p>
                <ul aria-label="Installation secrets" className="mt-3 grid gap-2">
                  {list.data.installation.map((key) => (
                    <li key={key.name} className="flex items-center gap-3 text-sm">
                      <Server aria-hidden className="size-4 text-muted-foreground" />
                      <span className="font-mono">{key.name}</span>
                      <span className="text-muted-foreground">
                        sent only to {describeOrigins(key.origins)}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        )}
      </section>

      <Dialog open={editing !== undefined} onOpenChange={(isOpen) => !isOpen && close()}>
        <DialogContent>
          <form onSubmit={submit} className="grid gap-4" aria-label="Secret">
            <SecretDialogBody editing={editing} />
            <FieldError message={error} />
            <DialogFooter>
              <Button type="button" variant="secondary" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                data-testid="secret-submit"
                variant={editing?.kind === "delete" ? "destructive" : "primary"}
                disabled={pending}
              >
                {pending ? <Loader2 className="animate-spin" /> : null}
                {editing?.kind === "delete"
                  ? "Delete secret"
                  : editing?.kind === "replace"
                    ? "Replace value"
                    : editing?.kind === "edit"
                      ? "Save"
                      : "Add secret"}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}

/** The title and fields of the open dialog. */
function SecretDialogBody({ editing }: { editing: Editing | undefined }) {
  if (!editing) return null;
  const secret = editing.kind === "create" ? undefined : editing.secret;
  if (editing.kind === "delete") {
    return (
      <DialogHeader>
        <DialogTitle>Delete {secret?.name}?</DialogTitle>
        <DialogDescription>
          Workflows that name it can no longer run until it is added again (or the installation has a key of
          that name). Runs already started keep the value they read.
        </DialogDescription>
      </DialogHeader>
    );
  }
  return (
    <>
      <DialogHeader>
        <DialogTitle>
          {editing.kind === "create"
            ? "Add a secret"
            : editing.kind === "replace"
              ? `Replace the value of ${secret?.name}`
              : `Edit ${secret?.name}`}
        </DialogTitle>
        <DialogDescription>
          {editing.kind === "edit"
            ? "The value stays as it is."
            : "The value is encrypted on the server and never shown again."}
        </DialogDescription>
      </DialogHeader>
      {editing.kind === "create" ? (
        <div className="grid gap-2">
          <Label htmlFor="secret-name">Name</Label>
          <Input
            id="secret-name"
            name="name"
            required
            autoComplete="off"
            placeholder="OPENAI_API_KEY"
            className="font-mono"
          />
        </div>
      ) : null}
      {editing.kind !== "edit" ? (
        <div className="grid gap-2">
          <Label htmlFor="secret-value">Value</Label>
          <Input id="secret-value" name="value" type="password" required autoComplete="new-password" />
        </div>
      ) : null}
      {editing.kind !== "replace" ? (
        <>
          <div className="grid gap-2">
            <Label htmlFor="secret-host">Sent only to (optional)</Label>
            <Input
              id="secret-host"
              name="allowedHost"
              autoComplete="off"
              placeholder="api.openai.com"
              defaultValue={secret?.allowedHost ?? ""}
            />
            <p className="text-xs text-muted-foreground">
              A host (and port), e.g. api.openai.com. Runs refuse to send the secret anywhere else.
            </p>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="secret-description">Description (optional)</Label>
            <Input id="secret-description" name="description" defaultValue={secret?.description ?? ""} />
          </div>
        </>
      ) : null}
    </>
  );
}
