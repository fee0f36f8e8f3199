"use client";

import { useQuery } from "@tanstack/react-query";
import { ShieldCheck } from "lucide-react";
import { useTRPC } from "~/trpc/react";

/**
 * The team's publish gate before someone publishes: "Publishing needs a passing evaluation on <set>
 * (≥ N %)". Renders nothing while the gate is off; the server checks the gate again on publish.
 */
export function PublishGateNote({ teamId }: { teamId: string }) {
  const trpc = useTRPC();
  const gate = useQuery({ ...trpc.team.publishGate.queryOptions({ teamId }), staleTime: 0 });
  if (!gate.data) return null;
  const percent = Math.floor(gate.data.minPassRate * 1000 + 1e-9) / 10;
  return (
    <p data-testid="publish-gate-note" className="flex items-center gap-1.5 text-xs text-muted-foreground">
      <ShieldCheck aria-hidden className="size-3.5 shrink-0" />
      Publishing needs a passing evaluation on {gate.data.testSet.name} (≥ {percent} %).
    </p>
  );
}
