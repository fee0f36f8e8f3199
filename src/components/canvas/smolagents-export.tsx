"use client";

import { Download } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { exportWorkflowAgent } from "~/graph/smolagents";
import { useCanvasStore } from "./canvas-store-context";

/** Save a file the browser made. */
function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * "Export for smolagents": this agent, with its model, tools and managed agents, as a zipped
 * saved-agent folder that `CodeAgent.from_folder` loads. Says why when it cannot, and what did not carry over.
 */
export function SmolagentsExport({ id }: { id: string }) {
  const store = useCanvasStore();
  const [notes, setNotes] = useState<{ error?: string; warnings: string[] } | null>(null);
  return (
    <div className="mt-3 space-y-1" data-testid="smolagents-export">
      <Button
        variant="secondary"
        size="sm"
        data-testid="smolagents-export-button"
        title="Download this agent as a smolagents saved-agent folder (zip); secret values are never included"
        onClick={() => {
          const state = store.getState();
          const result = exportWorkflowAgent(state.toDocument(), id, { catalog: state.catalog });
          if (!result.ok) {
            setNotes({ error: result.message, warnings: [] });
            return;
          }
          download(result.zip, `${result.name}.smolagents.zip`, "application/zip");
          setNotes({ warnings: result.warnings });
        }}
      >
        <Download /> Export for smolagents
      </Button>
      {notes?.error ? (
        <p className="text-xs text-red-700" role="alert" data-testid="smolagents-export-error">
          {notes.error}
        </p>
      ) : null}
      {notes && notes.warnings.length > 0 ? (
        <ul className="list-disc pl-4 text-xs text-amber-800" data-testid="smolagents-export-warnings">
          {notes.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
