import type { CanvasStore } from "~/components/canvas";
import { toast } from "~/components/ui/toaster";
import type { GraphIssue, WorkflowDocument } from "~/graph";
import {
  importSmolagentsFolder,
  importSmolagentsZip,
  parseToolFile,
  type SmolagentsImportResult,
  smolagentsImportLimits,
} from "~/graph/smolagents";

/** Shows a failed import, or (with `imported`) what a successful one could not carry over. */
type ReportError = (error: { message: string; issues: GraphIssue[]; imported?: true }) => void;

/** Replaces the canvas by a document once the person agreed (one undo step); false when they did not. */
type ReplaceCanvas = (doc: WorkflowDocument, what: string) => Promise<boolean>;

/** Put an imported agent on the canvas (one undo step) and say what did not carry over. */
async function apply(
  result: SmolagentsImportResult,
  replaceCanvas: ReplaceCanvas,
  reportError: ReportError,
): Promise<void> {
  if (!result.ok) {
    reportError({ message: result.message, issues: [] });
    return;
  }
  if (!(await replaceCanvas(result.document, `The smolagents agent "${result.name}"`))) return;
  const notes = [...result.issues.map((issue) => issue.message), ...result.warnings];
  if (notes.length) {
    reportError({
      imported: true,
      message: `Imported the smolagents agent "${result.name}" with ${notes.length} note${notes.length === 1 ? "" : "s"}:`,
      issues: [
        { code: "schema", severity: "warning", path: [], message: "" },
        ...notes.map((message) => ({
          code: "schema" as const,
          severity: "warning" as const,
          path: [],
          message,
        })),
      ],
    });
  } else toast.success(`Imported the smolagents agent "${result.name}". Undo with Ctrl+Z.`);
}

/**
 * Importing smolagents files into the editor: a zip of a saved-agent folder, the folder itself
 * (its files, with their relative paths), or one `tool.py` (added as a Python tool node, which the
 * inspector can share to the team library). An agent replaces the canvas, asking first.
 */
export function smolagentsImporters(
  store: CanvasStore,
  replaceCanvas: ReplaceCanvas,
  reportError: ReportError,
) {
  return {
    async zip(file: File) {
      if (file.size > smolagentsImportLimits.maxBytes) {
        reportError({ message: `${file.name} is over 5 MB; a saved agent never is`, issues: [] });
        return;
      }
      await apply(importSmolagentsZip(new Uint8Array(await file.arrayBuffer())), replaceCanvas, reportError);
    },
    async folder(files: File[]) {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      if (total > smolagentsImportLimits.maxBytes || files.length > smolagentsImportLimits.maxFiles) {
        reportError({ message: "The folder is over 5 MB or 500 files; a saved agent never is", issues: [] });
        return;
      }
      const entries = await Promise.all(
        files.map(async (file) => [file.webkitRelativePath || file.name, await file.text()] as const),
      );
      await apply(importSmolagentsFolder(Object.fromEntries(entries)), replaceCanvas, reportError);
    },
    async tool(file: File) {
      if (file.size > 100_000) {
        reportError({ message: `${file.name} is over 100 KB; a tool file never is`, issues: [] });
        return;
      }
      const read = parseToolFile(await file.text(), file.name);
      if (!read.ok) {
        reportError({ message: read.message, issues: [] });
        return;
      }
      const state = store.getState();
      const position = {
        x: -state.viewport.x / state.viewport.zoom + 80,
        y: -state.viewport.y / state.viewport.zoom + 80,
      };
      if (read.tool.kind === "builtin") {
        state.addNode({ id: `builtin-${read.tool.name}`, type: "tool" }, position);
        toast.success(`${file.name} is smolagents' ${read.tool.name}: added the builtin tool.`);
        return;
      }
      const id = state.addNode({ id: "python-tool", type: "tool" }, position);
      store.getState().replaceNodeData(id, {
        kind: "python",
        name: read.tool.name,
        description: read.tool.description,
        source: read.tool.source,
      });
      toast.success(
        `Added the Python tool "${read.tool.name}". Connect it to an agent, or share it to the library.`,
      );
    },
  };
}
