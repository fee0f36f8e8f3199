import { describe, expect, it } from "vitest";
import {
  type CanvasLibraryItem,
  libraryCatalog,
  libraryPaletteItems,
} from "~/components/canvas/library-context";
import { createCanvasStore } from "~/components/canvas/store";
import { builtinToolNames, getTemplate, type LibraryToolSpec } from "~/graph";

const shout = (version: number): LibraryToolSpec => ({
  kind: "python",
  name: "shout",
  description: "",
  source: `def shout(text: str) -> str:\n    return text.upper() + "${"!".repeat(version)}"\n`,
});

const items: CanvasLibraryItem[] = [
  {
    id: "item-shout",
    name: "shout",
    description: "Upper-cases text",
    latestVersion: 2,
    versions: [2, 1].map((version) => ({
      version,
      message: `v${version}`,
      tool: shout(version),
      createdAt: new Date(0),
      createdBy: "Erin",
    })),
  },
];

describe("the canvas's team library", () => {
  it("offers each item at its latest version in the palette", () => {
    expect(libraryPaletteItems(items)).toEqual([{ itemId: "item-shout", version: 2, name: "shout" }]);
    expect(libraryPaletteItems([])).toEqual([]);
  });

  it("validates with every version of every item, like the server's team catalog", () => {
    const catalog = libraryCatalog(items);
    expect(catalog.builtinTools).toEqual(builtinToolNames);
    expect(catalog.libraryTools).toEqual([
      { itemId: "item-shout", version: 2, name: "shout", tool: shout(2) },
      { itemId: "item-shout", version: 1, name: "shout", tool: shout(1) },
    ]);
  });

  it("a dropped library item validates clean once the store has the catalog, and a missing version does not", () => {
    let n = 0;
    const store = createCanvasStore(structuredClone(getTemplate("code-agent-web-search")!.document), {
      newId: (type) => `${type}-${++n}`,
    });
    const s = () => store.getState();
    const [entry] = libraryPaletteItems(items);
    const id = s().addNode({ id: `library-${entry!.itemId}`, type: "tool", ...entry! }, { x: 0, y: 0 });
    s().connect({ source: "agent", target: id, sourceHandle: "tools", targetHandle: "in" });
    // Before the library loads, the node is unknown.
    expect(s().issuesByNode[id]?.map((i) => i.message)).toEqual([
      'Library tool "shout" (version 2) was not found in the team library',
    ]);
    s().setCatalog(libraryCatalog(items));
    expect(s().issuesByNode[id]).toBeUndefined();
    expect(s().nodes.find((node) => node.id === id)?.data).toEqual({
      kind: "library",
      itemId: "item-shout",
      version: 2,
      name: "shout",
    });
    // Moving to another version is an ordinary, undoable data edit.
    s().updateNodeData(id, { version: 1 });
    expect(s().issuesByNode[id]).toBeUndefined();
    s().updateNodeData(id, { version: 7 });
    expect(s().issuesByNode[id]?.map((i) => i.code)).toEqual(["unknown-tool"]);
    s().undo();
    expect(s().nodes.find((node) => node.id === id)?.data).toMatchObject({ version: 2 });
  });

  it("opens a graph with library nodes already validated when the library is known, and revalidates only for a new catalog", () => {
    const doc = structuredClone(getTemplate("code-agent-web-search")!.document);
    doc.nodes.push({
      id: "shared",
      type: "tool",
      position: { x: 0, y: 300 },
      data: { kind: "library", itemId: "item-shout", version: 1, name: "shout" },
    });
    doc.edges.push({
      id: "e-shared",
      type: "uses-tool",
      source: "agent",
      target: "shared",
      sourceHandle: "tools",
      targetHandle: "in",
    });
    const catalog = libraryCatalog(items);
    const store = createCanvasStore(doc, { catalog });
    expect(store.getState().issuesByNode.shared).toBeUndefined();
    const issues = store.getState().issues;
    store.getState().setCatalog(catalog);
    expect(store.getState().issues).toBe(issues);
    store.getState().setCatalog(libraryCatalog([]));
    expect(store.getState().issuesByNode.shared?.map((i) => i.code)).toEqual(["unknown-tool"]);
  });
});
