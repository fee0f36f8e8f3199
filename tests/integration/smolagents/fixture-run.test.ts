import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "~/agents/build-agent";
import { createExecutor, PyodidePool } from "~/agents/executors";
import type { MultiStepAgent } from "~/agents/multi-step-agent";
import { compile, type WorkflowDocument } from "~/graph";
import { importSmolagentsFolder } from "~/graph/smolagents";

const fixtureDir = join(import.meta.dirname, "../../fixtures/smolagents-saved-agent");

function fixtureFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(fixtureDir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(fixtureDir);
  return out;
}

/** The imported workflow with each agent's model node swapped for a replay model playing `transcripts[agent]`. */
function withReplayModels(doc: WorkflowDocument, transcripts: Record<string, unknown[]>): WorkflowDocument {
  const agentOfModel = new Map(
    doc.edges
      .filter((e) => e.type === "uses-model")
      .map((e) => {
        const agent = doc.nodes.find((n) => n.id === e.source);
        return [e.target, agent?.type === "agent" ? agent.data.name : ""] as const;
      }),
  );
  return {
    ...doc,
    nodes: doc.nodes.map((node) =>
      node.type === "model"
        ? ({
            ...node,
            data: {
              provider: "replay",
              model: "replay",
              transcript: transcripts[agentOfModel.get(node.id)!],
            },
          } as typeof node)
        : node,
    ),
  };
}

let pool: PyodidePool;
const agents: MultiStepAgent[] = [];
beforeAll(async () => {
  pool = new PyodidePool({ size: 2 });
  await pool.warm(2);
});
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await pool.close();
});

describe("a folder written by smolagents' save()", () => {
  it("imports as a manager with a managed agent and runs on replay models to a final answer", async () => {
    const imported = importSmolagentsFolder(fixtureFiles());
    if (!imported.ok) throw new Error(imported.message);
    const doc = withReplayModels(imported.document, {
      // planning_interval 3: the manager plans before step 1, then delegates, then answers.
      manager: [
        "1. Ask helper to add 2 and 3.\n2. Double it with add.\n<end_plan>",
        "Thought: delegate.\n<code>\nreport = helper(task='Add 2 and 3')\nprint(report)\n</code>",
        "Thought: double it with my own tool.\n<code>\nfinal_answer(add(a=5, b=5))\n</code>",
      ],
      helper: [
        { tool_calls: [{ name: "add", arguments: { a: 2, b: 3 } }] },
        { tool_calls: [{ name: "final_answer", arguments: { answer: "2 + 3 = 5" } }] },
      ],
    });
    const compiled = compile(doc);
    if (!compiled.ok) throw new Error(compiled.issues.map((i) => i.message).join("; "));
    const agent = await buildAgent(compiled.spec, {
      resolveSecret: async () => undefined,
      createExecutor: (spec, options) => createExecutor(spec, { ...options, pyodidePool: pool }),
    });
    agents.push(agent);
    const run = agent.run("What is (2 + 3) doubled?", { stream: true });
    const events = [];
    for await (const event of run) events.push(event);
    const result = await run.result;
    expect(result.errors).toEqual([]);
    expect(result.state).toBe("success");
    expect(result.output).toBe(10);
    // The helper ran the imported add tool in its own sandbox and reported back through the report template.
    const helperObservation = events.find(
      (e) => e.type === "observation" && e.agentPath.join("/") === "manager/helper",
    );
    expect(helperObservation?.type === "observation" && helperObservation.observation).toContain("5");
    const managerObservation = events.find((e) => e.type === "observation" && e.agentPath.length === 1);
    expect(managerObservation?.type === "observation" && managerObservation.observation).toContain(
      "2 + 3 = 5",
    );
    expect(events.some((e) => e.type === "plan")).toBe(true);
  }, 120_000);
});
