import { z } from "zod";
import { CodeAgent } from "~/agents/code-agent";
import type { ActionStep, PlanningStep } from "~/agents/memory";
import { ReplayModel } from "~/agents/models/replay-model";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";
import type { TranscriptItem } from "~/graph/agent-spec";
import { StubExecutor } from "./stub-executor";

/**
 * Engine overhead per agent step: a zero-latency replay model and, for CodeAgent, the in-memory
 * StubExecutor (no Python runs: this excludes the sandbox by design). Each run streams all its
 * events to a consumer, as the worker would. Reports the median per-step time over repeated runs
 * of 20, 50 and 100 steps, and the mean of the first and last 10 steps inside a 100-step run
 * (a per-step cost that grew with memory length would show there).
 *
 *   npx tsx bench/engine/overhead.ts
 */

const sizes = [20, 50, 100];
const repeats = Number(process.argv[2] ?? 30);

const noop = defineTool({
  name: "lookup",
  description: "Looks a key up",
  inputs: z.object({ key: z.string().describe("the key") }),
  outputType: "string",
  forward: ({ key }) => `value of ${key}`,
});

function codeTranscript(steps: number): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  for (let i = 1; i < steps; i++)
    items.push(
      `Thought: step ${i}, look up key ${i}\n<code>\nv${i} = lookup(key="k${i}")\nprint(v${i})\n</code>`,
    );
  items.push("Thought: done\n<code>\nfinal_answer('done')\n</code>");
  return items;
}

function toolTranscript(steps: number): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  for (let i = 1; i < steps; i++)
    items.push({ content: `step ${i}`, tool_calls: [{ name: "lookup", arguments: { key: `k${i}` } }] });
  items.push({ tool_calls: [{ name: "final_answer", arguments: { answer: "done" } }] });
  return items;
}

type Kind = "code" | "toolCalling";

async function once(
  kind: Kind,
  steps: number,
): Promise<{ perStepMs: number; cpuPerStepMs: number; stepTimes: number[] }> {
  const stamps: number[] = [];
  const stepCallbacks = [
    (step: ActionStep | PlanningStep) => void (step.type === "action" && stamps.push(performance.now())),
  ];
  const agent =
    kind === "code"
      ? new CodeAgent({
          model: new ReplayModel(codeTranscript(steps)),
          tools: [noop],
          maxSteps: steps,
          stepCallbacks,
          createExecutor: async () => new StubExecutor(),
        })
      : new ToolCallingAgent({
          model: new ReplayModel(toolTranscript(steps)),
          tools: [noop],
          maxSteps: steps,
          stepCallbacks,
        });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const run = agent.run("Look up every key", { stream: true });
  let events = 0;
  for await (const _event of run) events++;
  const result = await run.result;
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (events < steps * 5) throw new Error(`expected at least ${steps * 5} events, consumed ${events}`);
  if (result.state !== "success" || result.steps.filter((s) => s.type === "action").length !== steps) {
    throw new Error(`bench run did not complete ${steps} steps: ${result.state}`);
  }
  const stepTimes = stamps.map((t, i) => t - (i === 0 ? started : (stamps[i - 1] as number)));
  return { perStepMs: elapsed / steps, cpuPerStepMs: (used.user + used.system) / 1000 / steps, stepTimes };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const p90 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] as number;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

console.log(
  `Engine overhead per step (zero-latency replay model; CodeAgent on the in-memory StubExecutor, no sandbox)`,
);
console.log(
  `node ${process.version}, ${repeats} runs per size after warm-up; per-step = run time / steps (median, p90)`,
);
console.log(`CPU = this process's user+system time per step (less sensitive to other load on the machine)\n`);
for (const kind of ["code", "toolCalling"] as const) {
  for (let i = 0; i < 10; i++) await once(kind, 50);
  const row: string[] = [];
  for (const steps of sizes) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const sample = await once(kind, steps);
      wall.push(sample.perStepMs);
      cpu.push(sample.cpuPerStepMs);
    }
    row.push(
      `${steps} steps: ${median(wall).toFixed(3)} ms wall (p90 ${p90(wall).toFixed(3)}), ${median(cpu).toFixed(3)} ms CPU`,
    );
  }
  const firsts: number[] = [];
  const lasts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const { stepTimes } = await once(kind, 100);
    firsts.push(mean(stepTimes.slice(1, 11)));
    lasts.push(mean(stepTimes.slice(-10)));
  }
  console.log(`${kind === "code" ? "CodeAgent" : "ToolCallingAgent"}`);
  for (const line of row) console.log(`  ${line}`);
  console.log(
    `  inside a 100-step run: steps 2-11 ${median(firsts).toFixed(3)} ms, steps 91-100 ${median(lasts).toFixed(3)} ms`,
  );
}
