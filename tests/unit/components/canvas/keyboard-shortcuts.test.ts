import { describe, expect, it } from "vitest";
import { commandForKey } from "~/components/canvas/keyboard-shortcuts";

const key = (
  k: string,
  mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {},
) => commandForKey({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe("commandForKey", () => {
  it("maps the editing shortcuts on Ctrl and Cmd", () => {
    expect(key("z", { ctrlKey: true })).toBe("undo");
    expect(key("Z", { metaKey: true, shiftKey: true })).toBe("redo");
    expect(key("y", { ctrlKey: true })).toBe("redo");
    expect(key("c", { ctrlKey: true })).toBe("copy");
    expect(key("x", { metaKey: true })).toBe("cut");
    expect(key("v", { ctrlKey: true })).toBe("paste");
    expect(key("a", { ctrlKey: true })).toBe("selectAll");
    expect(key("Delete")).toBe("delete");
    expect(key("Backspace")).toBe("delete");
    expect(key("!", { shiftKey: true })).toBe("fitView");
    expect(key("L", { shiftKey: true })).toBe("autoLayout");
  });

  it("leaves other keys alone", () => {
    expect(key("z")).toBeUndefined();
    expect(key("c", { ctrlKey: true, shiftKey: true })).toBeUndefined();
    expect(key("z", { ctrlKey: true, altKey: true })).toBeUndefined();
    expect(key("l")).toBeUndefined();
  });
});
