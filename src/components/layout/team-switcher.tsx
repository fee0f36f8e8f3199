"use client";

import { useMutation } from "@tanstack/react-query";
import { Check, ChevronsUpDown, Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { type FormEvent, useState, useTransition } from "react";
import { selectTeamAction } from "~/app/(app)/team-actions";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { useCurrentTeam } from "./team-context";

type TeamSummary = RouterOutputs["team"]["list"][number];

const cardClass = "w-full rounded-md border border-border bg-background px-3 py-2 text-left shadow-card";

/** The current team, and a menu to switch to another of the user's teams or create one. */
export function TeamSwitcher({ teams }: { teams: TeamSummary[] }) {
  const team = useCurrentTeam();
  const router = useRouter();
  const trpc = useTRPC();
  const [pending, startTransition] = useTransition();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const label = (
    <span className="min-w-0 flex-1">
      <span className="block text-[11px] font-medium uppercase tracking-wide text-muted-foreground">
        Team
      </span>
      <span className="block truncate text-sm font-medium" data-testid="team-name">
        {team.name}
      </span>
    </span>
  );
  const choose = (teamId: string, destination = "/workflows") =>
    startTransition(async () => {
      await selectTeamAction(teamId);
      router.push(destination);
      router.refresh();
    });
  const create = useMutation(
    trpc.team.create.mutationOptions({
      onSuccess: (created) => {
        setCreating(false);
        setName("");
        choose(created.id, "/team");
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name });
  };

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger
          aria-label="Switch team"
          disabled={pending}
          className={`${cardClass} flex items-center gap-2 outline-none transition-colors hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring`}
        >
          {label}
          <ChevronsUpDown aria-hidden className="size-4 text-muted-foreground" />
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start" className="w-56">
          <DropdownMenuLabel>Your teams</DropdownMenuLabel>
          {teams.map((option) => (
            <DropdownMenuItem key={option.id} onSelect={() => choose(option.id)}>
              <span className="min-w-0 flex-1 truncate">{option.name}</span>
              <span className="text-xs capitalize text-muted-foreground">{option.role}</span>
              {option.id === team.id ? <Check aria-label="Current team" className="text-primary" /> : null}
            </DropdownMenuItem>
          ))}
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={() => setCreating(true)}>
            <Plus aria-hidden />
            Create team
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Create a team</DialogTitle>
            <DialogDescription>You will be its owner, and can invite people to it.</DialogDescription>
          </DialogHeader>
          <form onSubmit={submit} noValidate className="grid gap-5">
            <div className="grid gap-1.5">
              <Label htmlFor="team-name">Name</Label>
              <Input
                id="team-name"
                value={name}
                maxLength={80}
                onChange={(event) => setName(event.target.value)}
                placeholder="Research crew"
                autoFocus
                autoComplete="off"
              />
              <FieldError message={create.error?.message} />
            </div>
            <DialogFooter>
              <Button variant="secondary" onClick={() => setCreating(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                Create team
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}
