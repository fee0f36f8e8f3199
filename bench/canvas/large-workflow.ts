import {
  createEmptyWorkflow,
  type EdgeKind,
  edgeOfKind,
  type WorkflowDocument,
  type WorkflowNode,
} from "~/graph";

/**
 * A 500-node, 600-edge workflow that is valid (one root, a `manages` tree): 100 agents, 100 models,
 * 250 tools, 50 sandboxes; edges: 99 manages, 100 uses-model, 351 uses-tool, 50 runs-in.
 */
export function largeWorkflow(): WorkflowDocument {
  const nodes: WorkflowNode[] = [];
  const edges: WorkflowDocument["edges"] = [];
  const edge = (type: EdgeKind, source: string, target: string) =>
    edges.push(edgeOfKind(type, source, target, `e${edges.length}`));
  const at = (i: number, row: number) => ({ x: (i % 25) * 260, y: row * 160 + Math.floor(i / 25) * 900 });
  for (let a = 0; a < 100; a++) {
    nodes.push({
      id: `agent${a}`,
      type: "agent",
      position: at(a, 0),
      data: {
        agentType: a % 2 === 0 ? "code" : "toolCalling",
        name: `agent_${a}`,
        description: `Agent number ${a}`,
        instructions: "Be helpful.",
        maxSteps: 10,
        addBaseTools: false,
        additionalAuthorizedImports: [],
      },
    });
    nodes.push({
      id: `model${a}`,
      type: "model",
      position: at(a, 1),
      data: { provider: "openai", model: "gpt-4o-mini" },
    });
  }
  for (let t = 0; t < 250; t++) {
    nodes.push({
      id: `tool${t}`,
      type: "tool",
      position: at(Math.floor(t / 2.5), 2 + (t % 3)),
      data: {
        kind: "python",
        name: `tool_${t}`,
        description: "",
        source: `def tool_${t}(x: str) -> str:\n    return x\n`,
      },
    });
  }
  for (let s = 0; s < 50; s++) {
    nodes.push({ id: `sandbox${s}`, type: "sandbox", position: at(s * 2, 5), data: { kind: "pyodide" } });
  }
  for (let a = 1; a < 100; a++) edge("manages", `agent${Math.floor((a - 1) / 10)}`, `agent${a}`);
  for (let a = 0; a < 100; a++) edge("uses-model", `agent${a}`, `model${a}`);
  for (let t = 0; t < 250; t++) edge("uses-tool", `agent${Math.floor(t / 2.5)}`, `tool${t}`);
  const pairs = new Set(edges.map((e) => `${e.source}>${e.target}`));
  for (let k = 0, added = 0; added < 101; k++) {
    const source = `agent${(k * 7) % 100}`;
    const target = `tool${(k * 13 + 5) % 250}`;
    if (pairs.has(`${source}>${target}`)) continue;
    pairs.add(`${source}>${target}`);
    edge("uses-tool", source, target);
    added++;
  }
  for (let s = 0; s < 50; s++) edge("runs-in", `agent${s * 2}`, `sandbox${s}`);
  return { ...createEmptyWorkflow(), nodes, edges };
}
