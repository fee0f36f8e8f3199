"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Loader2, Pencil, Plus, TriangleAlert } from "lucide-react";
import { type FormEvent, useState } from "react";
import { useCurrentTeam } from "~/components/layout/team-context";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { RelativeTime } from "~/components/ui/relative-time";
import { nativeSelectClass } from "~/components/ui/select-class";
import { toast } from "~/components/ui/toaster";
import { formatCost } from "~/lib/run-format";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { CopyButton } from "./copy-button";
import { UsageCharts } from "./usage-charts";

type ApiKey = RouterOutputs["apiKey"]["list"]["items"][number];
type KeyFields = {
  name: string;
  allEndpoints: boolean;
  endpointIds: string[];
  rateLimitPerMinute: number;
  monthlyCostCapUsd: number | null;
};

/**
 * The team's API keys: create (the key is shown once), change limits and scope, revoke; the list with
 * prefix, scope, limits and last use; usage per key. Members without `publish` see the list only.
 */
export function ApiKeys() {
  const trpc = useTRPC();
  const team = useCurrentTeam();
  const queryClient = useQueryClient();
  const canPublish = team.actions.includes("publish");
  const keys = useInfiniteQuery(
    trpc.apiKey.list.infiniteQueryOptions(
      { teamId: team.id, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = keys.data?.pages.flatMap((page) => page.items) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKey.list.pathKey() });
  const [editing, setEditing] = useState<ApiKey | "new" | null>(null);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [usageKey, setUsageKey] = useState("");
  const onError = (error: { message: string }) => toast.error(error.message);
  const create = useMutation(
    trpc.apiKey.create.mutationOptions({
      onSuccess: async (result) => {
        setEditing(null);
        setCreated({ key: result.key, name: result.apiKey.name });
        await refresh();
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.apiKey.update.mutationOptions({
      onSuccess: async (key) => {
        setEditing(null);
        toast.success(`Updated ${key.name}.`);
        await refresh();
      },
      onError,
    }),
  );
  const revoke = useMutation(
    trpc.apiKey.revoke.mutationOptions({
      onSuccess: async (key) => {
        setRevoking(null);
        toast.success(`Revoked ${key.name}: calls with it now answer 401.`);
        await refresh();
      },
      onError,
    }),
  );

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl text-sm text-muted-foreground">
          Programs call your endpoints with a key in{" "}
          <code className="font-mono">Authorization: Bearer …</code>. Each key has its own rate limit and an
          optional monthly cost cap; only its first characters are kept in the clear.
        </p>
        {canPublish ? (
          <Button onClick={() => setEditing("new")}>
            <Plus /> Create key
          </Button>
        ) : null}
      </div>

      {keys.isPending ? (
        <div className="flex items-center justify-center gap-2 py-16 text-sm text-muted-foreground">
          <Loader2 className="size-4 animate-spin" /> Loading keys…
        </div>
      ) : keys.isError ? (
        <p role="alert" className="py-16 text-center text-sm text-destructive">
          Could not load keys: {keys.error.message}
        </p>
      ) : items.length === 0 ? (
        <EmptyState
          icon={KeyRound}
          title="No API keys yet"
          description={
            canPublish
              ? "Create a key to call your endpoints from code, an OpenAI client or an MCP client."
              : "Admins and owners create keys; they will appear here."
          }
        />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-border shadow-card">
          <table className="w-full min-w-[880px] text-sm" data-testid="api-keys-table">
            <thead className="border-b border-border bg-subtle text-left text-xs font-medium text-muted-foreground">
              <tr>
                <th className="px-4 py-2.5 font-medium">Name</th>
                <th className="px-3 py-2.5 font-medium">Key</th>
                <th className="px-3 py-2.5 font-medium">Scope</th>
                <th className="px-3 py-2.5 font-medium">Limits</th>
                <th className="px-3 py-2.5 font-medium">Created</th>
                <th className="px-3 py-2.5 font-medium">Last used</th>
                <th className="px-4 py-2.5" />
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {items.map((key) => (
                <tr
                  key={key.id}
                  data-testid="api-key-row"
                  className={key.revokedAt ? "opacity-60" : undefined}
                >
                  <td className="px-4 py-2.5 font-medium">
                    {key.name}
                    {key.revokedAt ? (
                      <span className="ml-2 rounded-full border border-red-200 bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700">
                        Revoked
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2.5 font-mono text-xs">{key.prefix}…</td>
                  <td className="px-3 py-2.5 text-muted-foreground">
                    {key.allEndpoints
                      ? "Every endpoint"
                      : key.endpoints.map((endpoint) => endpoint.slug).join(", ") || "No endpoint left"}
                  </td>
                  <td className="px-3 py-2.5 whitespace-nowrap text-muted-foreground">
                    {key.rateLimitPerMinute.toLocaleString("en-US")}/min
                    {key.monthlyCostCapUsd === null ? "" : ` · ${formatCost(key.monthlyCostCapUsd)}/month`}
                  </td>
                  <td className="px-3 py-2.5 text-muted-foreground">
                    <RelativeTime date={key.createdAt} />
                    {key.createdBy ? <span className="block text-xs">by {key.createdBy}</span> : null}
                  </td>
                  <td className="px-3 py-2.5 text-muted-foreground" data-testid="api-key-last-used">
                    {key.lastUsedAt ? <RelativeTime date={key.lastUsedAt} /> : "Never"}
                  </td>
                  <td className="px-4 py-2.5 text-right whitespace-nowrap">
                    {canPublish && !key.revokedAt ? (
                      <>
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Edit ${key.name}`}
                          onClick={() => setEditing(key)}
                        >
                          <Pencil />
                        </Button>
                        <Button size="sm" variant="secondary" onClick={() => setRevoking(key)}>
                          Revoke
                        </Button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys.hasNextPage ? (
        <Button
          variant="secondary"
          className="self-center"
          disabled={keys.isFetchingNextPage}
          onClick={() => void keys.fetchNextPage()}
        >
          {keys.isFetchingNextPage ? <Loader2 className="animate-spin" /> : null} Load more
        </Button>
      ) : null}

      {items.length > 0 ? (
        <Card className="p-5">
          <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
            <h2 className="text-base font-semibold tracking-tight">Usage per key</h2>
            <select
              aria-label="Usage of"
              className={nativeSelectClass}
              value={usageKey}
              onChange={(event) => setUsageKey(event.currentTarget.value)}
            >
              <option value="">All keys</option>
              {items.map((key) => (
                <option key={key.id} value={key.id}>
                  {key.name} ({key.prefix}…)
                </option>
              ))}
            </select>
          </div>
          <UsageCharts
            teamId={team.id}
            {...(usageKey ? { apiKeyId: usageKey } : {})}
            breakdown={usageKey ? "endpoint" : "key"}
          />
        </Card>
      ) : null}

      <Dialog open={editing !== null} onOpenChange={(open) => !open && setEditing(null)}>
        <DialogContent>
          {editing !== null ? (
            <KeyForm
              key={editing === "new" ? "new" : editing.id}
              teamId={team.id}
              initial={editing === "new" ? null : editing}
              pending={create.isPending || update.isPending}
              onCancel={() => setEditing(null)}
              onSubmit={(fields) =>
                editing === "new"
                  ? create.mutate({
                      teamId: team.id,
                      name: fields.name,
                      allEndpoints: fields.allEndpoints,
                      endpointIds: fields.endpointIds,
                      rateLimitPerMinute: fields.rateLimitPerMinute,
                      ...(fields.monthlyCostCapUsd === null
                        ? {}
                        : { monthlyCostCapUsd: fields.monthlyCostCapUsd }),
                    })
                  : update.mutate({ teamId: team.id, apiKeyId: editing.id, ...fields })
              }
            />
          ) : null}
        </DialogContent>
      </Dialog>

      <Dialog open={created !== null} onOpenChange={(open) => !open && setCreated(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Your new key “{created?.name}”</DialogTitle>
            <DialogDescription>Copy it now and keep it somewhere safe.</DialogDescription>
          </DialogHeader>
          <div
            role="alert"
            className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
          >
            <TriangleAlert className="mt-0.5 size-4 shrink-0" />
            This key will not be shown again: Troupe stores only a hash of it. If you lose it, revoke it and
            create another.
          </div>
          <div className="flex items-center gap-2">
            <code
              data-testid="new-api-key"
              className="min-w-0 flex-1 break-all rounded-md border border-border bg-subtle px-3 py-2 font-mono text-xs select-all"
            >
              {created?.key}
            </code>
            <CopyButton value={created?.key ?? ""} label="Copy key" />
          </div>
          <DialogFooter>
            <Button onClick={() => setCreated(null)}>I have copied it</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>

      <Dialog open={revoking !== null} onOpenChange={(open) => !open && setRevoking(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Revoke “{revoking?.name}”?</DialogTitle>
            <DialogDescription>
              Every program using this key gets 401 from its next call on. This cannot be undone.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="secondary" onClick={() => setRevoking(null)}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              disabled={revoke.isPending}
              onClick={() => revoking && revoke.mutate({ teamId: team.id, apiKeyId: revoking.id })}
            >
              {revoke.isPending ? <Loader2 className="animate-spin" /> : null} Revoke key
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}

/** Name, scope and limits of a new key, or of an existing one being changed. */
function KeyForm({
  teamId,
  initial,
  pending,
  onSubmit,
  onCancel,
}: {
  teamId: string;
  initial: ApiKey | null;
  pending: boolean;
  onSubmit: (fields: KeyFields) => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.endpoint.list.queryOptions({ teamId, limit: 100 }));
  const [name, setName] = useState(initial?.name ?? "");
  const [allEndpoints, setAllEndpoints] = useState(initial?.allEndpoints ?? true);
  const [endpointIds, setEndpointIds] = useState<string[]>(initial?.endpoints.map((e) => e.id) ?? []);
  const [rate, setRate] = useState(String(initial?.rateLimitPerMinute ?? 60));
  const [cap, setCap] = useState(initial?.monthlyCostCapUsd == null ? "" : String(initial.monthlyCostCapUsd));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const rateLimitPerMinute = Number(rate);
    if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1 || rateLimitPerMinute > 10_000) {
      setProblem("The rate limit is a whole number of calls per minute from 1 to 10,000.");
      return;
    }
    const monthlyCostCapUsd = cap.trim() === "" ? null : Number(cap);
    if (monthlyCostCapUsd !== null && !(monthlyCostCapUsd > 0)) {
      setProblem("The monthly cost cap is more than $0, or empty for none.");
      return;
    }
    if (!allEndpoints && endpointIds.length === 0) {
      setProblem("Pick at least one endpoint, or give the key every endpoint.");
      return;
    }
    setProblem(null);
    onSubmit({ name: name.trim(), allEndpoints, endpointIds, rateLimitPerMinute, monthlyCostCapUsd });
  };
  return (
    <form className="grid gap-4" onSubmit={submit}>
      <DialogHeader>
        <DialogTitle>{initial ? `Edit ${initial.name}` : "Create an API key"}</DialogTitle>
        <DialogDescription>
          {initial
            ? "Changes apply to the key's next call."
            : "The key is shown once, right after you create it."}
        </DialogDescription>
      </DialogHeader>
      <div className="grid gap-1.5">
        <Label htmlFor="key-name">Name</Label>
        <Input
          id="key-name"
          required
          maxLength={100}
          placeholder="Production backend"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
      </div>
      <fieldset className="grid gap-1.5">
        <legend className="mb-1.5 text-sm font-medium">Endpoints it may call</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="scope" checked={allEndpoints} onChange={() => setAllEndpoints(true)} />
          Every endpoint of the team, now and later
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="scope" checked={!allEndpoints} onChange={() => setAllEndpoints(false)} />
          Only these:
        </label>
        {!allEndpoints ? (
          <div className="ml-6 flex max-h-40 flex-col gap-1 overflow-y-auto">
            {endpoints.data?.items.map((endpoint) => (
              <label key={endpoint.id} className="flex items-center gap-2 font-mono text-sm">
                <input
                  type="checkbox"
                  checked={endpointIds.includes(endpoint.id)}
                  onChange={(event) => {
                    const checked = event.currentTarget.checked;
                    setEndpointIds((ids) =>
                      checked ? [...ids, endpoint.id] : ids.filter((id) => id !== endpoint.id),
                    );
                  }}
                />
                {endpoint.slug}
              </label>
            ))}
            {endpoints.data?.items.length === 0 ? (
              <span className="text-sm text-muted-foreground">No endpoints yet.</span>
            ) : null}
          </div>
        ) : null}
      </fieldset>
      <div className="grid grid-cols-2 gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="key-rate">Calls per minute</Label>
          <Input
            id="key-rate"
            type="number"
            min={1}
            max={10_000}
            value={rate}
            onChange={(event) => setRate(event.currentTarget.value)}
          />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="key-cap">Monthly cost cap (USD)</Label>
          <Input
            id="key-cap"
            type="number"
            min={0}
            step="0.01"
            placeholder="No cap"
            value={cap}
            onChange={(event) => setCap(event.currentTarget.value)}
          />
        </div>
      </div>
      {problem ? (
        <p role="alert" className="text-sm text-destructive">
          {problem}
        </p>
      ) : null}
      <DialogFooter>
        <Button type="button" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="animate-spin" /> : null}
          {initial ? "Save" : "Create key"}
        </Button>
      </DialogFooter>
    </form>
  );
}
