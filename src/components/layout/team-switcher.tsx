"use client";

import { Check, ChevronsUpDown } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { selectTeamAction } from "~/app/(app)/team-actions";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import type { RouterOutputs } from "~/trpc/react";
import { useCurrentTeam } from "./team-context";

type TeamSummary = RouterOutputs["team"]["list"][number];

const cardClass = "w-full rounded-md border border-border bg-background px-3 py-2 text-left shadow-card";

/** The current team; a menu to switch when the user belongs to more than one. */
export function TeamSwitcher({ teams }: { teams: TeamSummary[] }) {
  const team = useCurrentTeam();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
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
  if (teams.length < 2) return <div className={cardClass}>{label}</div>;

  const choose = (teamId: string) =>
    startTransition(async () => {
      await selectTeamAction(teamId);
      router.push("/workflows");
      router.refresh();
    });

  return (
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
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
