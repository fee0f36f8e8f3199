"use client";

import { FileUp, Link2 } from "lucide-react";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import {
  type OpenApiSummary,
  operationAuthScheme,
  operationToolData,
  resolveServerUrl,
  secretNameFor,
  type ToolNodeData,
} from "~/graph";

/** Where a document comes from: a URL the server fetches, or the text of a file the user picked. */
export type OpenApiSource = { kind: "url"; url: string } | { kind: "file"; text: string };

/** Largest file the dialog sends (the server's limit too). */
const maxFileBytes = 2 * 1024 * 1024;

/**
 * "Import OpenAPI": read a document (URL or file) through `inspect` (the server's
 * `openapi.inspect`), tick operations, check the server URL and name the secret for each auth
 * scheme, and add one HTTP tool node per operation (`onImport`).
 */
export function OpenApiImportDialog({
  open,
  onOpenChange,
  inspect,
  onImport,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  inspect: (source: OpenApiSource) => Promise<OpenApiSummary>;
  onImport: (tools: ToolNodeData[]) => void;
}) {
  const [url, setUrl] = useState("");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<OpenApiSummary | null>(null);
  const [documentUrl, setDocumentUrl] = useState<string | undefined>();
  const [serverUrl, setServerUrl] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const fileInput = useRef<HTMLInputElement>(null);

  const reset = () => {
    setSummary(null);
    setError(null);
    setPicked(new Set());
    setSecrets({});
  };

  const read = async (source: OpenApiSource, from?: string) => {
    setLoading(true);
    setError(null);
    try {
      const result = await inspect(source);
      setSummary(result);
      setDocumentUrl(from);
      setServerUrl(resolveServerUrl(result.servers[0]?.url, from) ?? result.servers[0]?.url ?? "");
      setPicked(new Set());
      setSecrets(
        Object.fromEntries(
          Object.keys(result.securitySchemes).map((name) => [name, secretNameFor(result.title, name)]),
        ),
      );
    } catch (caught) {
      setSummary(null);
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setLoading(false);
    }
  };

  const onUrl = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim()) void read({ kind: "url", url: url.trim() }, url.trim());
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > maxFileBytes) {
      setError(`The file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 2 MB`);
      return;
    }
    await read({ kind: "file", text: await file.text() });
  };

  const base = resolveServerUrl(serverUrl || undefined, documentUrl);
  const chosen = useMemo(
    () => summary?.operations.filter((operation) => picked.has(operation.key)) ?? [],
    [summary, picked],
  );
  const schemesInUse = useMemo(() => {
    if (!summary) return [];
    const names = new Set(
      chosen.flatMap((operation) => {
        const scheme = operationAuthScheme(operation, summary.securitySchemes);
        return scheme ? [scheme.schemeName] : [];
      }),
    );
    return [...names];
  }, [summary, chosen]);

  const add = () => {
    if (!summary || !base) return;
    const taken: string[] = [];
    const tools = chosen.map((operation) => {
      const data = operationToolData(operation, {
        serverUrl: base,
        takenNames: taken,
        securitySchemes: summary.securitySchemes,
        secrets,
      });
      taken.push(data.name);
      return data;
    });
    onImport(tools);
    onOpenChange(false);
    reset();
  };

  const toggle = (key: string) =>
    setPicked((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) reset();
      }}
    >
      <DialogContent className="max-w-2xl" data-testid="openapi-dialog">
        <DialogHeader>
          <DialogTitle>Import OpenAPI</DialogTitle>
          <DialogDescription>
            Each operation you pick becomes an HTTP tool. The server fetches the document; private addresses
            are refused unless the operator allows them.
          </DialogDescription>
        </DialogHeader>
        <form className="flex gap-2" onSubmit={onUrl}>
          <Input
            aria-label="OpenAPI document URL"
            placeholder="https://api.example.com/openapi.json"
            value={url}
            maxLength={2000}
            onChange={(event) => setUrl(event.target.value)}
          />
          <Button type="submit" variant="secondary" disabled={loading || !url.trim()}>
            <Link2 /> Read
          </Button>
          <Button type="button" variant="ghost" disabled={loading} onClick={() => fileInput.current?.click()}>
            <FileUp /> File
          </Button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
            className="hidden"
            data-testid="openapi-file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = "";
              void onFile(file);
            }}
          />
        </form>
        {loading ? <p className="text-sm text-muted-foreground">Reading the document…</p> : null}
        {error ? (
          <p role="alert" className="max-h-40 overflow-y-auto whitespace-pre-wrap text-sm text-destructive">
            {error}
          </p>
        ) : null}
        {summary ? (
          <div className="grid gap-3">
            <p className="text-sm">
              <span className="font-medium">{summary.title || "Untitled API"}</span>{" "}
              <span className="text-muted-foreground">
                {summary.version ? `v${summary.version}, ` : ""}OpenAPI {summary.openapi},{" "}
                {summary.operations.length} operation{summary.operations.length === 1 ? "" : "s"}
              </span>
            </p>
            <div className="grid gap-1.5">
              <Label htmlFor="openapi-server">Server URL</Label>
              <Input
                id="openapi-server"
                list="openapi-servers"
                value={serverUrl}
                aria-invalid={!base}
                onChange={(event) => setServerUrl(event.target.value)}
              />
              <datalist id="openapi-servers">
                {summary.servers.map((server) => (
                  <option key={server.url} value={server.url}>
                    {server.description}
                  </option>
                ))}
              </datalist>
              {!base ? (
                <p className="text-xs text-destructive">
                  Enter the absolute http(s) URL the API is served from.
                </p>
              ) : null}
            </div>
            <ul className="max-h-64 overflow-y-auto rounded-md border border-border" aria-label="Operations">
              {summary.operations.map((operation) => (
                <li key={operation.key} className="border-b border-border last:border-b-0">
                  <label className="flex cursor-pointer items-start gap-2 px-3 py-2 text-sm hover:bg-subtle">
                    <input
                      type="checkbox"
                      className="mt-1"
                      checked={picked.has(operation.key)}
                      onChange={() => toggle(operation.key)}
                      data-testid={`openapi-op-${operation.operationId ?? operation.key}`}
                    />
                    <span className="min-w-0">
                      <span className="font-mono text-xs font-semibold">{operation.method}</span>{" "}
                      <span className="font-mono text-xs">{operation.path}</span>
                      {operation.deprecated ? (
                        <span className="ml-1 text-xs text-amber-700">deprecated</span>
                      ) : null}
                      <span className="block truncate text-xs text-muted-foreground">
                        {operation.operationId ? `${operation.operationId}: ` : ""}
                        {operation.summary || operation.description || "No summary"}
                        {operation.unsupportedBody
                          ? ` (its ${operation.unsupportedBody} body is not sent)`
                          : ""}
                      </span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
            {schemesInUse.length > 0 ? (
              <div className="grid gap-2">
                <p className="text-xs text-muted-foreground">
                  The secret each credential comes from (add it under Settings → Credentials); it is only sent
                  to the server URL above.
                </p>
                {schemesInUse.map((name) => (
                  <div key={name} className="grid gap-1">
                    <Label htmlFor={`openapi-secret-${name}`}>
                      Secret for {name}{" "}
                      <span className="font-normal text-muted-foreground">
                        ({describeScheme(summary.securitySchemes[name])})
                      </span>
                    </Label>
                    <Input
                      id={`openapi-secret-${name}`}
                      value={secrets[name] ?? ""}
                      maxLength={128}
                      onChange={(event) =>
                        setSecrets((current) => ({ ...current, [name]: event.target.value.toUpperCase() }))
                      }
                    />
                  </div>
                ))}
              </div>
            ) : null}
          </div>
        ) : null}
        <DialogFooter>
          <Button type="button" variant="ghost" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button
            type="button"
            disabled={chosen.length === 0 || !base}
            onClick={add}
            data-testid="openapi-add"
          >
            Add {chosen.length || ""} tool{chosen.length === 1 ? "" : "s"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function describeScheme(scheme: OpenApiSummary["securitySchemes"][string] | undefined): string {
  if (!scheme) return "unknown scheme";
  if (scheme.type === "apiKey") return `API key in the ${scheme.in} ${scheme.name}`;
  if (scheme.type === "http") return `HTTP ${scheme.scheme}`;
  return `${scheme.type}: its access token, sent as a bearer token`;
}
