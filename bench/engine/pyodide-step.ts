import { z } from "zod";
import { CodeAgent } from "~/agents/code-agent";
import { PyodideExecutor } from "~/agents/executors";
import { ReplayModel } from "~/agents/models/replay-model";
import { defineTool } from "~/agents/tools/tool";
import type { TranscriptItem } from "~/graph/agent-spec";

/**
 * A whole CodeAgent step on warm Pyodide (budget: under 2 ms): zero-latency replay
 * model, real sandbox, each action calls one host tool and prints. The first step (which boots
 * the worker) is excluded; the sandbox stays warm across runs of the same agent.
 *
 *   npx tsx bench/engine/pyodide-step.ts
 */

const steps = 50;
const runs = Number(process.argv[2] ?? 5);
const lookup = defineTool({
  name: "lookup",
  description: "Looks a key up",
  inputs: z.object({ key: z.string() }),
  outputType: "string",
  forward: ({ key }) => `value of ${key}`,
});
const transcript = (): TranscriptItem[] => [
  ...Array.from(
    { length: steps - 1 },
    (_, i) => `Thought: ${i}\n<code>\nv = lookup(key="k${i}")\nprint(v)\n</code>`,
  ),
  "Thought: done\n<code>\nfinal_answer(v)\n</code>",
];

let model = new ReplayModel(transcript());
const stamps: number[] = [];
const agent = new CodeAgent({
  model: {
    modelId: "replay",
    generate: (m, o) => model.generate(m, o),
    generateStream: (m, o) => model.generateStream(m, o),
  },
  tools: [lookup],
  maxSteps: steps,
  createExecutor: async () => new PyodideExecutor(),
  stepCallbacks: [(step) => void (step.type === "action" && stamps.push(performance.now()))],
});
const boot = performance.now();
await agent.run("warm up", { maxSteps: steps });
console.log(`CodeAgent on Pyodide: first run (boots the worker) ${(performance.now() - boot).toFixed(0)} ms`);
const perStep: number[] = [];
for (let r = 0; r < runs; r++) {
  model = new ReplayModel(transcript());
  stamps.length = 0;
  const started = performance.now();
  const result = await agent.run("look up keys", { returnFullResult: true });
  if (result.state !== "success") throw new Error(result.errors.at(-1)?.message);
  perStep.push((performance.now() - started) / steps);
}
perStep.sort((a, b) => a - b);
console.log(
  `warm: ${steps}-step runs, per step (model + one tool call + print + events): median ${perStep[Math.floor(runs / 2)]!.toFixed(2)} ms, min ${perStep[0]!.toFixed(2)} ms, max ${perStep.at(-1)!.toFixed(2)} ms over ${runs} runs`,
);
await agent.close();
