"use client";

import { useQuery } from "@tanstack/react-query";
import { ShieldAlert, ShieldCheck } from "lucide-react";
import { useTRPC } from "~/trpc/react";

/**
 * The team's publish gate before someone publishes: "Publishing needs a passing evaluation on <set>
 * (≥ N %)", and for the chosen saved version (`versionId`) whether it passes and why. Renders nothing
 * while the gate is off; the server checks the gate again on publish.
 */
export function PublishGateNote({ teamId, versionId }: { teamId: string; versionId?: string | null }) {
  const trpc = useTRPC();
  const gate = useQuery({ ...trpc.team.publishGate.queryOptions({ teamId }), staleTime: 0 });
  const verdict = useQuery({
    ...trpc.endpoint.gateVerdict.queryOptions({ teamId, versionId: versionId ?? "" }),
    enabled: Boolean(gate.data && versionId),
    staleTime: 0,
  });
  if (!gate.data) return null;
  const percent = Math.floor(gate.data.minPassRate * 1000 + 1e-9) / 10;
  return (
    <div data-testid="publish-gate-note" className="grid gap-0.5 text-xs text-muted-foreground">
      <p className="flex items-center gap-1.5">
        <ShieldCheck aria-hidden className="size-3.5 shrink-0" />
        Publishing needs a passing evaluation on {gate.data.testSet.name} (≥ {percent} %).
      </p>
      {versionId && verdict.data ? (
        <p
          className={
            verdict.data.passed ? "pl-5 text-green-700" : "flex items-center gap-1.5 text-destructive"
          }
        >
          {verdict.data.passed ? null : <ShieldAlert aria-hidden className="size-3.5 shrink-0" />}
          {verdict.data.passed
            ? `This version passes: ${verdict.data.reason}.`
            : `This version cannot serve yet: ${verdict.data.reason}.`}
        </p>
      ) : null}
      {gate.data && versionId === null ? (
        <p className="pl-5">
          A newly saved version has no evaluation yet, so it cannot be published until one passes.
        </p>
      ) : null}
    </div>
  );
}
