import {
  createEmptyWorkflow,
  type EdgeKind,
  edgeOfKind,
  type WorkflowDocument,
  type WorkflowNode,
} from "../../src/graph";

/**
 * A large valid workflow (one root, a `manages` tree) for the canvas bench and the large-graph e2e
 * test. One copy has 500 nodes and 600 edges: 100 agents, 100 models, 250 tools, 50 sandboxes; edges:
 * 99 manages, 100 uses-model, 351 uses-tool, 50 runs-in. With `copies` > 1 the root of each further
 * copy is managed by the first copy's root (ids and names prefixed `c<k>`), so 10 copies are 5,000
 * nodes and 6,009 edges, still one tree.
 */
export function largeWorkflow(copies = 1): WorkflowDocument {
  const nodes: WorkflowNode[] = [];
  const edges: WorkflowDocument["edges"] = [];
  const edge = (type: EdgeKind, source: string, target: string) =>
    edges.push(edgeOfKind(type, source, target, `e${edges.length}`));
  for (let copy = 0; copy < copies; copy++) {
    const id = (name: string) => (copy === 0 ? name : `c${copy}-${name}`);
    const name = (base: string) => (copy === 0 ? base : `c${copy}_${base}`);
    const at = (i: number, row: number) => ({
      x: (i % 25) * 260,
      y: copy * 4600 + row * 160 + Math.floor(i / 25) * 900,
    });
    for (let a = 0; a < 100; a++) {
      nodes.push({
        id: id(`agent${a}`),
        type: "agent",
        position: at(a, 0),
        data: {
          agentType: a % 2 === 0 ? "code" : "toolCalling",
          name: name(`agent_${a}`),
          description: `Agent number ${a}`,
          instructions: "Be helpful.",
          maxSteps: 10,
          addBaseTools: false,
          additionalAuthorizedImports: [],
        },
      });
      nodes.push({
        id: id(`model${a}`),
        type: "model",
        position: at(a, 1),
        data: { provider: "openai", model: "gpt-4o-mini" },
      });
    }
    for (let t = 0; t < 250; t++) {
      nodes.push({
        id: id(`tool${t}`),
        type: "tool",
        position: at(Math.floor(t / 2.5), 2 + (t % 3)),
        data: {
          kind: "python",
          name: name(`tool_${t}`),
          description: "",
          source: `def ${name(`tool_${t}`)}(x: str) -> str:\n    return x\n`,
        },
      });
    }
    for (let s = 0; s < 50; s++) {
      nodes.push({
        id: id(`sandbox${s}`),
        type: "sandbox",
        position: at(s * 2, 5),
        data: { kind: "pyodide" },
      });
    }
    if (copy > 0) edge("manages", "agent0", id("agent0"));
    for (let a = 1; a < 100; a++) edge("manages", id(`agent${Math.floor((a - 1) / 10)}`), id(`agent${a}`));
    for (let a = 0; a < 100; a++) edge("uses-model", id(`agent${a}`), id(`model${a}`));
    for (let t = 0; t < 250; t++) edge("uses-tool", id(`agent${Math.floor(t / 2.5)}`), id(`tool${t}`));
    const pairs = new Set(edges.map((e) => `${e.source}>${e.target}`));
    for (let k = 0, added = 0; added < 101; k++) {
      const source = id(`agent${(k * 7) % 100}`);
      const target = id(`tool${(k * 13 + 5) % 250}`);
      if (pairs.has(`${source}>${target}`)) continue;
      pairs.add(`${source}>${target}`);
      edge("uses-tool", source, target);
      added++;
    }
    for (let s = 0; s < 50; s++) edge("runs-in", id(`agent${s * 2}`), id(`sandbox${s}`));
  }
  return { ...createEmptyWorkflow(), nodes, edges };
}
