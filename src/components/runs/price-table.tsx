"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, Trash2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { errorMessageOf, fieldErrorsOf } from "~/lib/input-errors";
import { useTRPC } from "~/trpc/react";

/** The address of the price table, for "price unknown" notes elsewhere; it opens the table. */
export const PRICE_TABLE_HREF = "/runs#prices";

const usd = (value: number) => `$${value.toLocaleString("en-US", { maximumFractionDigits: 4 })}`;

/**
 * The team's price table: list prices of common models, overridden or extended by the team's own
 * rows (admins edit them). Runs of models in neither show tokens and "price unknown".
 */
export function PriceTable({ teamId }: { teamId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listOptions = trpc.pricing.list.queryOptions({ teamId });
  const prices = useQuery(listOptions);
  const [model, setModel] = useState("");
  const [input, setInput] = useState("");
  const [output, setOutput] = useState("");
  const details = useRef<HTMLDetailsElement>(null);
  const loaded = prices.data !== undefined;
  // Opened and shown when reached through PRICE_TABLE_HREF (once the table is there to show).
  useEffect(() => {
    if (loaded && window.location.hash === "#prices" && details.current) {
      details.current.open = true;
      details.current.scrollIntoView({ block: "start" });
    }
  }, [loaded]);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listOptions.queryKey });
  const set = useMutation(
    trpc.pricing.set.mutationOptions({
      onSuccess: async (row) => {
        toast.success(`Priced ${row.model}.`);
        setModel("");
        setInput("");
        setOutput("");
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.pricing.remove.mutationOptions({
      onSuccess: refresh,
      onError: (error) => toast.error(errorMessageOf(error)),
    }),
  );
  if (!prices.data) return null;
  // The server's refusal, per field in words (src/lib/input-errors.ts); anything else above the form.
  const fieldErrors = fieldErrorsOf(set.error);
  const formError =
    set.error && Object.keys(fieldErrors).length === 0 ? errorMessageOf(set.error) : undefined;
  const admin = prices.data.role === "admin" || prices.data.role === "owner";
  const overridden = new Set(prices.data.team.map((row) => row.model));
  const rows = [
    ...prices.data.team.map((row) => ({ ...row, source: "team" as const })),
    ...prices.data.defaults
      .filter((row) => !overridden.has(row.model))
      .map((row) => ({ ...row, source: "list" as const })),
  ];

  return (
    <details
      ref={details}
      id="prices"
      data-testid="price-table"
      className="group rounded-lg border border-border bg-background shadow-card"
    >
      <summary className="cursor-pointer select-none px-4 py-3 text-sm font-semibold">
        Model prices{" "}
        <span className="font-normal text-muted-foreground">
          · USD per million tokens; {prices.data.team.length} set by your team
        </span>
      </summary>
      <div className="border-t border-border px-4 py-3">
        {admin ? (
          <form
            className="mb-3"
            aria-label="Set a model's price"
            onSubmit={(event) => {
              event.preventDefault();
              set.mutate({
                teamId,
                model: model.trim(),
                inputUsdPerMillion: Number(input),
                outputUsdPerMillion: Number(output),
              });
            }}
          >
            <div className="flex flex-wrap items-start gap-2">
              <PriceField
                label="Model id"
                placeholder="model id, e.g. my-org/llama-3-70b"
                className="w-72"
                value={model}
                onChange={setModel}
                error={fieldErrors.model}
              />
              <PriceField
                label="Input price"
                placeholder="input $/M"
                inputMode="decimal"
                className="w-28"
                value={input}
                onChange={setInput}
                error={fieldErrors.inputUsdPerMillion}
              />
              <PriceField
                label="Output price"
                placeholder="output $/M"
                inputMode="decimal"
                className="w-28"
                value={output}
                onChange={setOutput}
                error={fieldErrors.outputUsdPerMillion}
              />
              <Button
                type="submit"
                size="sm"
                className="mt-0.5"
                disabled={set.isPending || !model.trim() || input === "" || output === ""}
              >
                {set.isPending ? <Loader2 className="animate-spin" /> : null} Set price
              </Button>
            </div>
            <FieldError message={formError} className="mt-2" />
          </form>
        ) : (
          <p className="mb-3 text-xs text-muted-foreground">Team admins can change prices.</p>
        )}
        <table className="w-full text-sm">
          <thead className="text-left text-xs text-muted-foreground">
            <tr>
              <th className="py-1 font-medium">Model</th>
              <th className="py-1 text-right font-medium">Input</th>
              <th className="py-1 text-right font-medium">Output</th>
              <th className="py-1 pl-3 font-medium">Source</th>
              <th className="sr-only">Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {rows.map((row) => (
              <tr key={row.model}>
                <td className="py-1.5 font-mono text-xs">{row.model}</td>
                <td className="py-1.5 text-right tabular-nums">{usd(row.inputUsdPerMillion)}</td>
                <td className="py-1.5 text-right tabular-nums">{usd(row.outputUsdPerMillion)}</td>
                <td className="py-1.5 pl-3 text-xs text-muted-foreground">
                  {row.source === "team" ? "your team" : "list price"}
                </td>
                <td className="w-8 py-1 text-right">
                  {admin && row.source === "team" ? (
                    <Button
                      variant="ghost"
                      size="icon"
                      aria-label={`Remove the price of ${row.model}`}
                      onClick={() => remove.mutate({ teamId, model: row.model })}
                    >
                      <Trash2 />
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** One input of the price form with the server's message for it underneath. */
function PriceField({
  label,
  error,
  onChange,
  className,
  ...props
}: {
  label: string;
  error: string | undefined;
  onChange: (value: string) => void;
  className: string;
  value: string;
  placeholder: string;
  inputMode?: "decimal";
}) {
  const errorId = `price-${label.toLowerCase().replaceAll(" ", "-")}-error`;
  return (
    <div className={className}>
      <Input
        {...props}
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => onChange(event.currentTarget.value)}
      />
      <FieldError id={errorId} message={error} className="mt-1 text-xs" />
    </div>
  );
}
