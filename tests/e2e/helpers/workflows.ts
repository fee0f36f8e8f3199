/** A CodeAgent's model answer: a thought and one code action. */
export const codeAnswer = (thought: string, body: string) => `Thought: ${thought}\n<code>\n${body}\n</code>`;

/**
 * A workflow document of one CodeAgent running in Pyodide whose model replays `transcript` (each
 * answer `latencyMs` after the last, when given): what specs save through `workflow.saveGraph`.
 */
export function replayCodeAgentWorkflow(
  agent: { name: string; description: string; maxSteps: number },
  model: { transcript: string[]; latencyMs?: number },
) {
  return {
    version: 1,
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 200, y: 0 },
        data: {
          agentType: "code",
          ...agent,
          instructions: "",
          addBaseTools: false,
          additionalAuthorizedImports: [],
        },
      },
      {
        id: "model",
        type: "model",
        position: { x: 0, y: 200 },
        data: {
          provider: "replay",
          model: "gpt-4o-mini",
          ...(model.latencyMs === undefined ? {} : { latencyMs: model.latencyMs }),
          transcript: model.transcript,
        },
      },
      { id: "sandbox", type: "sandbox", position: { x: 300, y: 200 }, data: { kind: "pyodide" } },
    ],
    edges: [
      {
        id: "agent-uses-model-model",
        type: "uses-model",
        source: "agent",
        target: "model",
        sourceHandle: "model",
        targetHandle: "in",
      },
      {
        id: "agent-runs-in-sandbox",
        type: "runs-in",
        source: "agent",
        target: "sandbox",
        sourceHandle: "sandbox",
        targetHandle: "in",
      },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}
