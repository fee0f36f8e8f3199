"use client";

import { GitFork, Library, Share2 } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { PythonCode } from "~/components/runs/python-code";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { type LibraryToolSpec, type ShareableToolData, shareableTool, toolSecretNames } from "~/graph";
import { useCanvasStore } from "./canvas-store-context";
import { SharedResult } from "./library-agent-panels";
import { type CanvasLibraryItem, type SharedVersion, useCanvasLibrary } from "./library-context";
import { LibraryVersionPicker, SharedBy } from "./library-version-picker";

/**
 * The inspector's team-library panels: "Share to team library" under a python or http tool, and
 * the details of a library tool node (its item, pinned version, a read-only view, version switch,
 * fork into an editable tool).
 */

/** Share a python or http tool node to the team library (editors and up; nothing for others). */
export function ShareToLibrary({ data, readOnly }: { data: ShareableToolData; readOnly: boolean }) {
  const library = useCanvasLibrary();
  const [message, setMessage] = useState("");
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<SharedVersion | { error: string } | null>(null);
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
      setResult(await share(data, message));
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
          ? `Sharing a changed "${existing.name}" adds version ${existing.latestVersion + 1} for the whole team.`
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
      <SharedResult result={result} />
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
      <LibraryVersionPicker id={id} item={item} version={version} readOnly={readOnly} onPin={setVersion} />
      {pinned?.tool ? (
        <>
          <SharedBy version={pinned} />
          <ToolView tool={pinned.tool} />
          {readOnly ? null : (
            <Button
              size="sm"
              variant="secondary"
              data-testid="library-fork"
              title="Replace this node by an editable copy of the tool"
              onClick={() => pinned.tool && store.getState().replaceNodeData(id, pinned.tool)}
            >
              <GitFork /> Fork into an editable tool
            </Button>
          )}
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
