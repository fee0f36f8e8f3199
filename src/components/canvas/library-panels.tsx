"use client";

import { GitFork } from "lucide-react";
import { PythonCode } from "~/components/runs/python-code";
import { Button } from "~/components/ui/button";
import { type LibraryToolSpec, type ShareableToolData, shareableTool, toolSecretNames } from "~/graph";
import { useCanvasStore } from "./canvas-store-context";
import { ShareForm } from "./library-agent-panels";
import { type CanvasLibraryItem, useCanvasLibrary } from "./library-context";
import { LibraryVersionPicker, SharedBy } from "./library-version-picker";

/**
 * The inspector's team-library panels: "Share to team library" under a python or http tool, and
 * the details of a library tool node (its item, pinned version, a read-only view, version switch,
 * fork into an editable tool).
 */

/** Share a python or http tool node to the team library (editors and up; nothing for others). */
export function ShareToLibrary({ data, readOnly }: { data: ShareableToolData; readOnly: boolean }) {
  const library = useCanvasLibrary();
  if (readOnly || !library.canShare || !library.share) return null;
  const share = library.share;
  const checked = shareableTool(data);
  return (
    <ShareForm
      testIds={{ form: "share-to-library", message: "share-message", button: "share-button" }}
      intro="Share this tool so every workflow of the team can use it."
      existing={library.items.find((i) => i.name === data.name)}
      buttonLabel="Share to team library"
      title="Share to the team library"
      {...(checked.ok ? {} : { blocked: checked.message })}
      resetKey={data}
      share={(message) => share(data, message)}
    />
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
