"use client";

import { ArrowUpCircle, Check, Library, Share2 } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { PythonCode } from "~/components/runs/python-code";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { type LibraryToolSpec, type ShareableToolData, shareableTool, toolSecretNames } from "~/graph";
import { useCanvasStore } from "./canvas-store-context";
import { type CanvasLibraryItem, useCanvasLibrary } from "./library-context";

/**
 * The inspector's team-library panels: "Share to team library" under a python or http tool, and
 * the details of a library tool node (its item, pinned version, a read-only view, version switch).
 */

/** Share a python or http tool node to the team library (editors and up; nothing for others). */
export function ShareToLibrary({ data, readOnly }: { data: ShareableToolData; readOnly: boolean }) {
  const library = useCanvasLibrary();
  const [message, setMessage] = useState("");
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ version: number } | { error: string } | null>(null);
  // A shared result belongs to the data it was shared from: an edit makes it stale.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on any change of the tool
  useEffect(() => setResult(null), [data]);
  if (readOnly || !library.canShare || !library.share) return null;
  const share = library.share;

  const checked = shareableTool(data);
  const existing = library.items.find((i) => i.name === data.name);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checked.ok) return;
    setPending(true);
    try {
      const shared = await share(data, message);
      setResult({ version: shared.version });
      setMessage("");
    } catch (error) {
      setResult({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      onSubmit={(e) => void onSubmit(e)}
      data-testid="share-to-library"
      className="mt-4 space-y-2 border-t border-border pt-4"
    >
      <h3 className="flex items-center gap-1.5 text-xs font-semibold [&_svg]:size-3.5">
        <Library /> Team library
      </h3>
      <p className="text-xs text-muted-foreground">
        {existing
          ? `Sharing adds version ${existing.latestVersion + 1} of "${existing.name}" for the whole team.`
          : "Share this tool so every workflow of the team can use it."}
      </p>
      <Input
        aria-label="Share message"
        data-testid="share-message"
        placeholder={existing ? "What changed?" : "What it is for (optional)"}
        maxLength={500}
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        className="h-8 text-xs"
      />
      <Button
        type="submit"
        size="sm"
        variant="secondary"
        disabled={pending || !checked.ok}
        data-testid="share-button"
        title={checked.ok ? "Share to the team library" : checked.message}
      >
        <Share2 /> {pending ? "Sharing…" : "Share to team library"}
      </Button>
      {!checked.ok ? (
        <p className="text-xs text-muted-foreground" data-testid="share-blocked">
          Before sharing: {checked.message}.
        </p>
      ) : null}
      {result && "version" in result ? (
        <p
          role="status"
          data-testid="share-result"
          className="flex items-center gap-1 text-xs text-emerald-700 [&_svg]:size-3.5"
        >
          <Check /> Shared as v{result.version}
        </p>
      ) : null}
      {result && "error" in result ? (
        <p role="alert" data-testid="share-error" className="text-xs text-destructive">
          {result.error}
        </p>
      ) : null}
    </form>
  );
}

/** A library tool node: its item, the pinned version with a switch, and what that version runs. */
export function LibraryToolDetails({
  id,
  itemId,
  version,
  readOnly,
}: {
  id: string;
  itemId: string;
  version: number;
  readOnly: boolean;
}) {
  const store = useCanvasStore();
  const library = useCanvasLibrary();
  const item: CanvasLibraryItem | undefined = library.items.find((i) => i.id === itemId);
  if (!item) {
    return (
      <p className="text-xs text-muted-foreground" data-testid="library-item-missing">
        This tool is not in the team library (it was removed, or belongs to another team). Replace it with a
        tool from the palette.
      </p>
    );
  }
  const pinned = item.versions.find((v) => v.version === version);
  const setVersion = (next: number) =>
    store.getState().updateNodeData(id, { version: next, name: item.name });
  return (
    <div className="space-y-3 text-sm" data-testid="library-tool-details">
      <div>
        <p className="font-mono text-sm font-medium">{item.name}</p>
        {item.description ? <p className="mt-0.5 text-xs text-muted-foreground">{item.description}</p> : null}
      </div>
      <div>
        <label className="mb-1 block text-xs font-medium" htmlFor={`${id}-library-version`}>
          Version
        </label>
        <select
          id={`${id}-library-version`}
          data-testid="library-version"
          disabled={readOnly}
          className="w-full rounded-md border border-input bg-background px-2 py-1 text-sm"
          value={version}
          onChange={(e) => setVersion(Number(e.target.value))}
        >
          {pinned ? null : <option value={version}>v{version} (not in the library)</option>}
          {item.versions.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version}
              {v.version === item.latestVersion ? " (latest)" : ""}
              {v.message ? ` — ${v.message}` : ""}
            </option>
          ))}
        </select>
      </div>
      {version < item.latestVersion ? (
        <div
          data-testid="library-update-available"
          className="flex items-center justify-between gap-2 rounded-md bg-sky-50 px-2 py-1.5 text-xs text-sky-900"
        >
          <span>Update available: v{item.latestVersion}</span>
          {readOnly ? null : (
            <Button
              size="sm"
              variant="ghost"
              className="h-6 px-2 text-xs"
              onClick={() => setVersion(item.latestVersion)}
            >
              <ArrowUpCircle /> Update
            </Button>
          )}
        </div>
      ) : null}
      {pinned?.tool ? (
        <>
          <p className="text-xs text-muted-foreground">
            v{pinned.version} shared {pinned.createdBy ? `by ${pinned.createdBy} ` : ""}on{" "}
            {pinned.createdAt.toLocaleDateString()}
            {pinned.message ? `: ${pinned.message}` : "."}
          </p>
          <ToolView tool={pinned.tool} />
        </>
      ) : null}
    </div>
  );
}

/** A read-only view of a shared tool's definition. */
function ToolView({ tool }: { tool: LibraryToolSpec }) {
  if (tool.kind === "python") {
    return <PythonCode code={tool.source} className="max-h-80 text-[11.5px]" />;
  }
  const secrets = toolSecretNames(tool);
  const inputs = Object.entries(tool.inputs);
  return (
    <dl className="space-y-2 text-xs" data-testid="library-http-view">
      <div>
        <dt className="font-medium">Request</dt>
        <dd className="font-mono break-all">
          {tool.method} {tool.url}
        </dd>
      </div>
      {inputs.length > 0 ? (
        <div>
          <dt className="font-medium">Inputs</dt>
          {inputs.map(([name, input]) => (
            <dd key={name} className="font-mono">
              {name}: {input.type}
            </dd>
          ))}
        </div>
      ) : null}
      <div>
        <dt className="font-medium">Returns</dt>
        <dd className="font-mono">{tool.outputType}</dd>
      </div>
      {secrets.length > 0 ? (
        <div>
          <dt className="font-medium">Secrets it reads</dt>
          <dd className="font-mono">{secrets.join(", ")}</dd>
        </div>
      ) : null}
    </dl>
  );
}
