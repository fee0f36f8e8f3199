"use client";

import { useCallback } from "react";
import type { CanvasStore } from "~/components/canvas";
import { useConfirm } from "~/components/ui/confirm-dialog";
import type { WorkflowDocument } from "~/graph";

const nodes = (count: number) => `${count} node${count === 1 ? "" : "s"}`;

/**
 * Replacing the whole canvas (a template, an imported file, a restored version) asks first when the
 * canvas holds anything, and lands on the undo stack, so Ctrl+Z brings the previous graph back.
 * `confirmReplace(what)` asks alone (a restore asks before the server changes the working copy);
 * `replaceCanvas(doc, what)` asks and replaces. Both resolve false when the person said no.
 */
export function useReplaceCanvas(store: CanvasStore) {
  const [confirm, dialog] = useConfirm();

  const confirmReplace = useCallback(
    (what: string) => {
      const count = store.getState().nodes.length;
      if (count === 0) return Promise.resolve(true);
      return confirm({
        title: "Replace the canvas?",
        description: `${what} replaces the ${nodes(count)} on the canvas. Ctrl+Z (Undo) brings them back.`,
        confirmLabel: "Replace the canvas",
      });
    },
    [confirm, store],
  );

  const replaceCanvas = useCallback(
    async (doc: WorkflowDocument, what: string) => {
      if (!(await confirmReplace(what))) return false;
      store.getState().replaceDocument(doc);
      return true;
    },
    [confirmReplace, store],
  );

  return { confirmReplace, replaceCanvas, confirmDialog: dialog, confirm };
}
