"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { cn } from "~/components/ui/cn";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { nativeSelectClass } from "~/components/ui/select-class";
import { toast } from "~/components/ui/toaster";
import { useTRPC } from "~/trpc/react";

const selectClass = cn(nativeSelectClass, "w-full");

/** The choice that turns the gate off. */
const OFF = "";

/**
 * "Require a passing evaluation to publish" (team managers): one of the team's test sets, or none, and the
 * pass rate in percent a version's finished evaluation on it must reach before the version may serve.
 */
export function PublishGateCard({ teamId }: { teamId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const gateOptions = trpc.team.publishGate.queryOptions({ teamId });
  const gate = useQuery(gateOptions);
  const sets = useQuery(trpc.team.testSetsForGate.queryOptions({ teamId }));
  const [testSetId, setTestSetId] = useState(OFF);
  const [percent, setPercent] = useState("100");
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    if (gate.data === undefined) return;
    setTestSetId(gate.data?.testSet.id ?? OFF);
    setPercent(String(Math.round((gate.data?.minPassRate ?? 1) * 1000) / 10));
  }, [gate.data]);

  const save = useMutation(
    trpc.team.setPublishGate.mutationOptions({
      onSuccess: async (saved) => {
        await queryClient.invalidateQueries({ queryKey: gateOptions.queryKey });
        toast.success(
          saved
            ? `Publishing now needs a passing evaluation on ${saved.testSet.name}.`
            : "Publishing needs no evaluation now.",
        );
      },
      onError: (error) => setProblem(error.message),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const value = Number(percent);
    if (percent.trim() === "" || !Number.isFinite(value) || value < 0 || value > 100) {
      setProblem("The pass rate is a percentage from 0 to 100.");
      return;
    }
    save.mutate({ teamId, testSetId: testSetId === OFF ? null : testSetId, minPassRate: value / 100 });
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Require a passing evaluation to publish</CardTitle>
        <CardDescription>
          A version serves (published, or an endpoint moved to it) only after a finished evaluation of it on
          this test set reached the pass rate. Unpublishing is never held back.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[1fr_8rem_auto] sm:items-end">
          <div className="grid gap-1.5">
            <Label htmlFor="publish-gate-set">Test set</Label>
            <select
              id="publish-gate-set"
              className={selectClass}
              value={testSetId}
              onChange={(event) => setTestSetId(event.target.value)}
            >
              <option value={OFF}>No evaluation needed</option>
              {(sets.data ?? []).map((set) => (
                <option key={set.id} value={set.id}>
                  {set.name}
                </option>
              ))}
            </select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="publish-gate-rate">Pass rate (%)</Label>
            <Input
              id="publish-gate-rate"
              type="number"
              min={0}
              max={100}
              step="any"
              value={percent}
              disabled={testSetId === OFF}
              onChange={(event) => setPercent(event.target.value)}
            />
          </div>
          <Button type="submit" variant="secondary" disabled={save.isPending || gate.isPending}>
            Save
          </Button>
        </form>
        {sets.data?.length === 0 ? (
          <p className="mt-2 text-sm text-muted-foreground">
            The team has no test set yet: create one under Evals.
          </p>
        ) : null}
        <FieldError className="mt-2" message={problem} />
      </CardContent>
    </Card>
  );
}
