import { describe, expect, it } from "vitest";
import { computeLayout } from "~/components/canvas/auto-layout";
import { createCanvasStore } from "~/components/canvas/store";
import { getTemplate, installationKeys, validateDocument } from "~/graph";

function setup(template?: string) {
  let n = 0;
  let clock = 0;
  const doc = template ? getTemplate(template)!.document : undefined;
  const store = createCanvasStore(doc, { newId: (type) => `${type}-${++n}`, now: () => clock });
  return { store, s: () => store.getState(), tick: (ms: number) => (clock += ms) };
}

describe("canvas store", () => {
  it("adds palette nodes with unique names, selected", () => {
    const { s } = setup();
    const a = s().addNode({ id: "code-agent", type: "agent" }, { x: 0, y: 0 });
    const b = s().addNode({ id: "tool-calling-agent", type: "agent" }, { x: 100, y: 0 });
    expect(
      s().nodes.map((n) => [
        n.id,
        n.type === "agent" && n.data.name,
        n.type === "agent" && n.data.agentType,
        n.selected,
      ]),
    ).toEqual([
      [a, "agent", "code", false],
      [b, "agent_2", "toolCalling", true],
    ]);
    expect(s().changeCount).toBe(2);
  });

  it("connects through canConnect, with typed handles, and explains refusals", () => {
    const { s } = setup();
    const agent = s().addNode({ id: "code-agent", type: "agent" }, { x: 0, y: 0 });
    const model = s().addNode({ id: "openai-model", type: "model" }, { x: 0, y: 200 });
    expect(s().issuesByNode[agent]!.map((i) => i.code)).toEqual(["agent-without-model"]);
    expect(s().connect({ source: model, target: agent })).toMatchObject({ ok: false });
    expect(s().lastRefusal).toBe("Connections start at an agent");
    expect(s().connect({ source: agent, target: model, sourceHandle: "model", targetHandle: "in" })).toEqual({
      ok: true,
      kind: "uses-model",
    });
    expect(s().edges).toEqual([
      {
        id: "edge-3",
        type: "uses-model",
        source: agent,
        target: model,
        sourceHandle: "model",
        targetHandle: "in",
      },
    ]);
    expect(s().issuesByNode[agent]).toBeUndefined();
    expect(s().issues).toEqual([]);
    expect(s().checkConnection({ source: agent, target: model }).ok).toBe(false);
  });

  it("undoes and redoes every kind of change", () => {
    const { s } = setup();
    const agent = s().addNode({ id: "code-agent", type: "agent" }, { x: 0, y: 0 });
    const model = s().addNode({ id: "hf-model", type: "model" }, { x: 0, y: 200 });
    s().connect({ source: agent, target: model });
    expect(s().edges).toHaveLength(1);
    s().undo();
    expect(s().edges).toHaveLength(0);
    expect(s().issuesByNode[agent]![0]!.code).toBe("agent-without-model");
    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual([agent]);
    s().redo();
    s().redo();
    expect(s().edges).toHaveLength(1);
    expect(s().issues).toEqual([]);
    s().redo();
    expect(s().edges).toHaveLength(1);
    s().undo();
    s().addNode({ id: "python-tool", type: "tool" }, { x: 0, y: 0 });
    expect(s().future).toEqual([]);
  });

  it("merges rapid typing in one field into one undo step", () => {
    const { s, tick } = setup();
    const agent = s().addNode({ id: "code-agent", type: "agent" }, { x: 0, y: 0 });
    for (const text of ["H", "He", "Hel", "Hello"]) {
      s().updateNodeData(agent, { instructions: text });
      tick(200);
    }
    tick(2000);
    s().updateNodeData(agent, { instructions: "Hello!" });
    const instructions = () => {
      const n = s().nodes[0]!;
      return n.type === "agent" ? n.data.instructions : undefined;
    };
    expect(instructions()).toBe("Hello!");
    s().undo();
    expect(instructions()).toBe("Hello");
    s().undo();
    expect(instructions()).toBe("");
  });

  it("records a drag as one undo step and counts it as one change", () => {
    const { s } = setup("code-agent-web-search");
    const before = s().nodes[0]!.position;
    for (let i = 1; i <= 5; i++) {
      s().onNodesChange([{ type: "position", id: "agent", position: { x: i * 10, y: 0 }, dragging: true }]);
    }
    s().onNodesChange([{ type: "position", id: "agent", position: { x: 50, y: 0 }, dragging: false }]);
    expect(s().past).toHaveLength(1);
    expect(s().changeCount).toBe(1);
    expect(s().nodes[0]!.position).toEqual({ x: 50, y: 0 });
    s().undo();
    expect(s().nodes[0]!.position).toEqual(before);
  });

  it("does not record selection or measurement as changes", () => {
    const { s } = setup("code-agent-web-search");
    s().onNodesChange([{ type: "select", id: "agent", selected: true }]);
    s().onNodesChange([{ type: "dimensions", id: "agent", dimensions: { width: 200, height: 80 } }]);
    s().onEdgesChange([{ type: "select", id: s().edges[0]!.id, selected: true }]);
    expect(s().past).toHaveLength(0);
    expect(s().changeCount).toBe(0);
    expect(s().nodes[0]!.selected).toBe(true);
  });

  it("gives unmeasured nodes estimated sizes and ports, and drops the port estimate once measured", () => {
    const { s } = setup("manager-researcher-analyst");
    const manager = s().nodes.find((n) => n.type === "agent" && n.data.name === "manager")!;
    // A CodeAgent: its "Managed by" port on top, four ports along the bottom edge, React Flow's shape.
    expect(manager.measured?.width).toBe(224);
    expect(manager.handles?.map((h) => [h.id, h.type, h.position])).toEqual([
      ["manager", "target", "top"],
      ["model", "source", "bottom"],
      ["tools", "source", "bottom"],
      ["managed", "source", "bottom"],
      ["sandbox", "source", "bottom"],
    ]);
    const bottom = manager.handles!.filter((h) => h.type === "source");
    expect(new Set(bottom.map((h) => h.y))).toEqual(new Set([manager.measured!.height! - 6]));
    expect(bottom.map((h) => h.x)).toEqual([...bottom.map((h) => h.x)].sort((a, b) => a - b));

    s().onNodesChange([{ type: "dimensions", id: manager.id, dimensions: { width: 224, height: 152 } }]);
    const measured = s().nodes.find((n) => n.id === manager.id)!;
    expect(measured.measured).toEqual({ width: 224, height: 152 });
    expect(measured.handles).toBeUndefined();
    expect(s().nodes.filter((n) => n.handles).length).toBe(s().nodes.length - 1);

    // Undo and redo rebuild nodes from the graph; a measured node keeps its size and measured ports.
    s().updateNodeData(manager.id, { maxSteps: 7 });
    s().undo();
    const restored = s().nodes.find((n) => n.id === manager.id)!;
    expect(restored.measured).toEqual({ width: 224, height: 152 });
    expect(restored.handles).toBeUndefined();
  });

  it("multi-selects and deletes nodes with their edges in one step", () => {
    const { s } = setup("code-agent-web-search");
    s().selectOnly(["search", "visit"]);
    s().deleteSelection();
    expect(s().nodes.map((n) => n.id)).toEqual(["agent", "model", "sandbox"]);
    expect(s().edges.map((e) => e.target)).toEqual(["model", "sandbox"]);
    s().undo();
    expect(s().nodes).toHaveLength(5);
    expect(s().edges).toHaveLength(4);
    s().selectAll();
    s().deleteSelection();
    expect(s().nodes).toEqual([]);
    expect(s().issues.map((i) => i.code)).toEqual(["no-agent"]);
  });

  it("copies and pastes a subgraph with fresh ids, unique names and internal edges only", () => {
    const { s } = setup("manager-researcher-analyst");
    s().selectOnly(["researcher", "search", "manager"]);
    s().copySelection();
    s().paste();
    const pasted = s().nodes.filter((n) => n.selected);
    expect(pasted.map((n) => [n.type, n.type === "agent" ? n.data.name : n.id.split("-")[0]])).toEqual([
      ["agent", "manager_2"],
      ["agent", "researcher_2"],
      ["tool", "tool"],
    ]);
    const ids = new Set(pasted.map((n) => n.id));
    const newEdges = s().edges.filter((e) => ids.has(e.source));
    expect(newEdges.map((e) => e.type).sort()).toEqual(["manages", "uses-tool"]);
    expect(newEdges.every((e) => ids.has(e.target))).toBe(true);
    expect(pasted[0]!.position).toEqual({ x: 300, y: 40 });
    s().paste();
    expect(s().nodes.filter((n) => n.selected)[0]!.position).toEqual({ x: 340, y: 80 });
    expect(validateDocument(s().toDocument()).ok).toBe(true);
  });

  it("cut removes and paste brings back", () => {
    const { s } = setup("tool-calling-http");
    s().selectOnly(["http"]);
    s().cutSelection();
    expect(s().nodes.map((n) => n.id)).toEqual(["agent", "model"]);
    s().paste({ x: 0, y: 0 });
    expect(s().nodes.find((n) => n.type === "tool" && n.data.name === "get_forecast")).toBeDefined();
  });

  it("serialises exactly the graph schema (no React Flow fields)", () => {
    const doc = getTemplate("manager-researcher-analyst")!.document;
    const { s } = setup("manager-researcher-analyst");
    s().selectAll();
    s().onNodesChange([{ type: "dimensions", id: "manager", dimensions: { width: 1, height: 2 } }]);
    expect(s().toDocument()).toEqual({
      ...doc,
      edges: doc.edges.map((e) => ({
        ...e,
        sourceHandle: e.sourceHandle ?? null,
        targetHandle: e.targetHandle ?? null,
      })),
    });
  });

  it("commits an auto-layout as one undo step", async () => {
    const { s } = setup("manager-researcher-analyst");
    const positions = await computeLayout(s().nodes, s().edges);
    expect(Object.keys(positions).sort()).toEqual(
      s()
        .nodes.map((n) => n.id)
        .sort(),
    );
    expect(positions.manager!.y).toBeLessThan(positions.researcher!.y);
    expect(positions.researcher!.y).toBeLessThan(positions.search!.y);
    s().applyPositions(positions);
    expect(s().past).toHaveLength(1);
    expect(s().nodes.find((n) => n.id === "analyst")!.position).toEqual(positions.analyst);
  });

  it("asks the canvas to fit the view after an auto-layout and a replaced document", () => {
    const { s } = setup("manager-researcher-analyst");
    expect(s().fitViewRequest).toBe(0);
    s().applyPositions({ manager: { x: 10, y: 10 } });
    expect(s().fitViewRequest).toBe(1);
    s().replaceDocument(getTemplate("code-agent-web-search")!.document);
    expect(s().fitViewRequest).toBe(2);
    // Edits of single nodes leave the view where the user put it.
    s().updateNodeData("agent", { maxSteps: 3 });
    expect(s().fitViewRequest).toBe(2);
  });

  it("does not revalidate for a catalog that lists the same entries as the current one", () => {
    const { s } = setup("code-agent-web-search");
    const catalog = s().catalog;
    s().setCatalog({ ...catalog, libraryTools: [...catalog.libraryTools] });
    expect(s().catalog).toBe(catalog);
    const issues = s().issues;
    s().setCatalog({ ...catalog, builtinTools: catalog.builtinTools.slice(1) });
    expect(s().catalog).not.toBe(catalog);
    expect(s().issues).not.toBe(issues);
  });

  it("revalidates against the team's secrets", () => {
    const { s } = setup("code-agent-web-search");
    expect(s().issues).toEqual([]);
    s().setKnownSecrets(["HF_TOKEN"]);
    expect(s().issuesByNode.model!.map((i) => i.code)).toEqual(["missing-secret"]);
  });

  it("marks a model that would send the server's key to another host", () => {
    const { s } = setup("code-agent-web-search");
    s().updateNodeData("model", { baseUrl: "https://attacker.example/v1" });
    expect(s().issues).toEqual([]);
    s().setKnownSecrets(["OPENAI_API_KEY"], installationKeys({ openaiBaseUrl: undefined }));
    expect(s().issuesByNode.model).toEqual([
      expect.objectContaining({
        code: "secret-not-allowed",
        message:
          "OPENAI_API_KEY is this server's key for api.openai.com and is not sent to attacker.example: this model needs a secret of its own",
      }),
    ]);
    s().updateNodeData("model", { baseUrl: "" });
    expect(s().issuesByNode.model ?? []).toEqual([]);
  });

  it("keeps issue arrays stable when a node's issues do not change", () => {
    const { s } = setup();
    const a = s().addNode({ id: "code-agent", type: "agent" }, { x: 0, y: 0 });
    const first = s().issuesByNode[a];
    s().addNode({ id: "pyodide-sandbox", type: "sandbox" }, { x: 0, y: 0 });
    expect(s().issuesByNode[a]).toBe(first);
  });
});

describe("replaceDocument", () => {
  it("swaps the whole graph as one undoable change", () => {
    const { s } = setup("tool-calling-http");
    s().replaceDocument(getTemplate("manager-researcher-analyst")!.document);
    expect(s().nodes).toHaveLength(7);
    expect(s().changeCount).toBe(1);
    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual(["agent", "model", "http"]);
  });
});
