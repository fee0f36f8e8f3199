/** Canvas commands reachable from the keyboard. */
export type CanvasCommand =
  | "undo"
  | "redo"
  | "copy"
  | "cut"
  | "paste"
  | "selectAll"
  | "delete"
  | "fitView"
  | "autoLayout";

/** The parts of a KeyboardEvent the keymap reads. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Shortcuts as shown in the UI (Mod = Ctrl, or ⌘ on macOS). */
export const shortcutLabels: Record<CanvasCommand, string> = {
  undo: "Mod+Z",
  redo: "Mod+Shift+Z",
  copy: "Mod+C",
  cut: "Mod+X",
  paste: "Mod+V",
  selectAll: "Mod+A",
  delete: "Delete",
  fitView: "Shift+1",
  autoLayout: "Shift+L",
};

/** The command a key press means on the canvas, if any. Pure, so it is tested without a DOM. */
export function commandForKey(e: KeyInput): CanvasCommand | undefined {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return undefined;
  if (mod) {
    if (key === "z") return e.shiftKey ? "redo" : "undo";
    if (key === "y" && !e.shiftKey) return "redo";
    if (e.shiftKey) return undefined;
    return ({ c: "copy", x: "cut", v: "paste", a: "selectAll" } as Record<string, CanvasCommand>)[key];
  }
  if (key === "Delete" || key === "Backspace") return "delete";
  if (e.shiftKey && (key === "!" || key === "1")) return "fitView";
  if (e.shiftKey && key === "l") return "autoLayout";
  return undefined;
}

/** True when the key press belongs to a text field or code editor, not the canvas. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).closest !== "function") return false;
  const el = target as HTMLElement;
  return Boolean(el.closest("input, textarea, select, [contenteditable='true'], .cm-editor"));
}
