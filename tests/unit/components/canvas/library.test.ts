import { describe, expect, it } from "vitest";
import {
  type CanvasLibraryItem,
  libraryCatalog,
  libraryPaletteItems,
} from "~/components/canvas/library-context";
import { createCanvasStore } from "~/components/canvas/store";
import {
  builtinToolNames,
  compile,
  getTemplate,
  type LibraryToolSpec,
  type SharedAgent,
  shareableAgent,
} from "~/graph";

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
    expect(libraryPaletteItems(items)).toEqual([
      { kind: "tool", itemId: "item-shout", version: 2, name: "shout" },
    ]);
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

  describe("a shared agent", () => {
    /** The template's agent (with its model and web_search tool) as the library stores it. */
    const sharedAgent = (): SharedAgent => {
      const shared = shareableAgent(getTemplate("code-agent-web-search")!.document, "agent");
      if (!shared.ok) throw new Error(shared.message);
      return { spec: { ...shared.agent, name: "researcher" }, graph: shared.graph };
    };
    const agentItem = (latestVersion: number): CanvasLibraryItem => ({
      id: "item-researcher",
      name: "researcher",
      description: "Searches the web",
      latestVersion,
      versions: Array.from({ length: latestVersion }, (_, i) => latestVersion - i).map((version) => ({
        version,
        message: `v${version}`,
        agent: sharedAgent(),
        createdAt: new Date(0),
        createdBy: "Erin",
      })),
    });

    /** A manager with a replay model, and the library's researcher dropped in and managed by it. */
    function managerWithLibraryAgent(library: CanvasLibraryItem[]) {
      let n = 0;
      const store = createCanvasStore(undefined, {
        newId: (type) => `${type}-${++n}`,
        catalog: libraryCatalog(library),
      });
      const s = () => store.getState();
      const manager = s().addNode({ id: "tool-calling-agent", type: "agent" }, { x: 0, y: 0 });
      s().updateNodeData(manager, { name: "manager" });
      const model = s().addNode({ id: "openai-model", type: "model" }, { x: 0, y: 200 });
      s().replaceNodeData(model, { provider: "replay", model: "replay", transcript: ["done"] });
      s().connect({ source: manager, target: model });
      const entry = libraryPaletteItems(library)[0]!;
      expect(entry.kind).toBe("agent");
      if (entry.kind !== "agent") throw new Error("not an agent item");
      const { kind: _, ...item } = entry;
      const pinned = s().addNode(
        { ...item, id: `library-${item.itemId}`, type: "agent" },
        { x: 300, y: 200 },
      );
      expect(s().connect({ source: manager, target: pinned }).ok).toBe(true);
      return { s, manager, pinned };
    }

    it("is offered in the palette and its versions are in the catalog", () => {
      const item = agentItem(2);
      expect(libraryPaletteItems([item])).toEqual([
        {
          kind: "agent",
          itemId: "item-researcher",
          version: 2,
          name: "researcher",
          agentType: "code",
          description: sharedAgent().spec.description,
          maxSteps: sharedAgent().spec.maxSteps,
        },
      ]);
      expect(libraryCatalog([item]).libraryAgents?.map((a) => `${a.name}@${a.version}`)).toEqual([
        "researcher@2",
        "researcher@1",
      ]);
    });

    it("drops as one node pinned to the latest version, managed by a manager, compiling to the shared spec", () => {
      const { s, pinned } = managerWithLibraryAgent([agentItem(1)]);
      expect(s().nodes.find((n) => n.id === pinned)?.data).toMatchObject({
        name: "researcher",
        library: { itemId: "item-researcher", version: 1 },
      });
      expect(s().issues.filter((i) => i.severity !== "warning")).toEqual([]);
      const compiled = compile(s().toDocument(), s().catalog);
      expect(compiled.ok && compiled.spec.managedAgents).toEqual([sharedAgent().spec]);
      // Nothing connects out of it: it brings its own model and tools.
      const extra = s().addNode({ id: "pyodide-sandbox", type: "sandbox" }, { x: 600, y: 400 });
      expect(s().connect({ source: pinned, target: extra })).toMatchObject({
        ok: false,
        code: "library-agent-closed",
      });
    });

    it("forks into editable nodes in one undo step: the agent keeps its id and manager, its model and tools follow", () => {
      const { s, manager, pinned } = managerWithLibraryAgent([agentItem(1)]);
      const before = s().toDocument();
      s().forkLibraryAgent(pinned, sharedAgent().graph);
      const doc = s().toDocument();
      const forked = doc.nodes.find((n) => n.id === pinned)!;
      expect(forked.data).toMatchObject({ name: "researcher", agentType: "code" });
      expect("library" in forked.data && forked.data.library).toBeFalsy();
      expect(doc.nodes).toHaveLength(before.nodes.length + sharedAgent().graph.nodes.length - 1);
      const shared = sharedAgent().graph;
      const typesOut = (edges: { type: string; source: string }[], from: string) =>
        edges
          .filter((e) => e.source === from)
          .map((e) => e.type)
          .sort();
      expect(typesOut(doc.edges, pinned)).toEqual(typesOut(shared.edges, shared.nodes[0]!.id));
      expect(typesOut(doc.edges, pinned)).toEqual(
        expect.arrayContaining(["runs-in", "uses-model", "uses-tool"]),
      );
      expect(doc.edges.some((e) => e.source === manager && e.target === pinned)).toBe(true);
      expect(s().issues.filter((i) => i.severity !== "warning")).toEqual([]);
      s().undo();
      expect(s().toDocument()).toEqual(before);
    });
  });
});
