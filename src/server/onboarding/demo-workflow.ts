import "server-only";
import { CURRENT_WORKFLOW_VERSION, edgeOfKind, type WorkflowDocument } from "~/graph";
import { DEMO_TASK, DEMO_WORKFLOW_NAME } from "~/lib/demo-run";
import type { Prisma } from "~/server/db";

/**
 * The first-run demo: a manager CodeAgent that delegates to a researcher and an analyst,
 * every agent on the replay model with recorded answers that fit together, code in Pyodide. It
 * runs with no provider key; its replay models are priced as gpt-4o-mini so the run shows a cost.
 */

export const DEMO_WORKFLOW_DESCRIPTION =
  "A manager with a researcher and an analyst, on recorded model answers: runs offline, without keys.";
export { DEMO_TASK, DEMO_WORKFLOW_NAME };
/** The model the recordings stand in for, which prices the demo's tokens. */
export /** Replayed answers arrive at about a real model's pace, so the first run visibly unfolds. */
const DEMO_LATENCY_MS = 600;
const DEMO_MODEL = "gpt-4o-mini";

const code = (thought: string, body: string) => `Thought: ${thought}\n<code>\n${body}\n</code>`;

const managerTranscript = [
  [
    "## 1. Facts survey",
    "### 1.1. Facts given in the task",
    "- The three cities: Stockholm, Oslo and Copenhagen.",
    "### 1.2. Facts to look up",
    "- The population of each city proper.",
    "### 1.3. Facts to derive",
    "- Which is largest, the average of the three, and how far the largest is above it.",
    "",
    "## 2. Plan",
    "1. Ask `researcher` for the population of each city, with sources.",
    "2. Ask `analyst` to compute the largest, the average and the difference.",
    "3. Give the final answer in one short paragraph.",
    "<end_plan>",
  ].join("\n"),
  code(
    "I start with the facts: the researcher collects the populations.",
    'facts = researcher(task="Find the latest population of the city proper of Stockholm, Oslo and Copenhagen, with the year and a source for each.")\nprint(facts)',
  ),
  code(
    "I have the three populations. The analyst computes the comparison in Python.",
    'analysis = analyst(task="Using these populations, find the largest city, the average of the three and how much larger the largest is than the average, in people and in percent.", additional_args={"facts": facts})\nprint(analysis)',
  ),
  code(
    "Both answers agree. I can write the final answer.",
    'final_answer("Stockholm is the largest of the three, with about 984,700 people (2023). The average of the three cities is about 784,800, so Stockholm is roughly 199,900 people (25.5%) above it. Oslo (709,000) and Copenhagen (660,800) are both below the average.")',
  ),
];

const researcherTranscript = [
  {
    content: "I know these figures from the national statistics offices; I report them with their sources.",
    tool_calls: [
      {
        name: "final_answer",
        arguments: {
          answer: [
            "1. Task outcome (short version): Stockholm 984,748; Oslo 709,037; Copenhagen 660,842.",
            "2. Task outcome (extremely detailed version):",
            "- Stockholm (municipality), 984,748 people at 31 Dec 2023 (Statistics Sweden, SCB).",
            "- Oslo (municipality), 709,037 people at 1 Jan 2024 (Statistics Norway, SSB).",
            "- Copenhagen (municipality), 660,842 people at 1 Jan 2024 (Statistics Denmark, DST).",
            "3. Additional context: these are city-proper figures; the metropolitan areas are two to three times larger.",
          ].join("\n"),
        },
      },
    ],
  },
];

const analystTranscript = [
  code(
    "I put the three populations in a dictionary and compute the statistics with the standard library.",
    [
      "import statistics",
      'populations = {"Stockholm": 984_748, "Oslo": 709_037, "Copenhagen": 660_842}',
      "largest = max(populations, key=populations.get)",
      "average = statistics.mean(populations.values())",
      "difference = populations[largest] - average",
      "percent = 100 * difference / average",
      'print(f"largest={largest} average={average:,.0f} difference={difference:,.0f} percent={percent:.1f}")',
    ].join("\n"),
  ),
  code(
    "The numbers are computed; I report them.",
    'final_answer(f"1. Task outcome (short version): {largest} is the largest, {difference:,.0f} people ({percent:.1f}%) above the average of {average:,.0f}.\\n2. Task outcome (extremely detailed version): populations {populations}; mean {average:,.1f}; difference {difference:,.1f}; percent {percent:.2f}.\\n3. Additional context: computed with Python\'s statistics.mean.")',
  ),
];

/** A fresh copy of the demo workflow document (src/graph schema). */
export function demoWorkflowDocument(): WorkflowDocument {
  const defaults = { addBaseTools: false, additionalAuthorizedImports: [] as string[] };
  return {
    version: CURRENT_WORKFLOW_VERSION,
    nodes: [
      {
        id: "manager",
        type: "agent",
        position: { x: 320, y: 0 },
        data: {
          agentType: "code",
          name: "manager",
          description: "Plans the work and delegates it to the researcher and the analyst.",
          instructions: "Break the task down. Ask researcher for facts and analyst for calculations.",
          maxSteps: 8,
          planningInterval: 10,
          ...defaults,
        },
      },
      {
        id: "manager_model",
        type: "model",
        position: { x: 0, y: 0 },
        data: {
          provider: "replay",
          model: DEMO_MODEL,
          transcript: managerTranscript,
          latencyMs: DEMO_LATENCY_MS,
        },
      },
      {
        id: "researcher",
        type: "agent",
        position: { x: 120, y: 260 },
        data: {
          agentType: "toolCalling",
          name: "researcher",
          description: "Finds facts and returns them with their sources.",
          instructions: "",
          maxSteps: 5,
          ...defaults,
        },
      },
      {
        id: "researcher_model",
        type: "model",
        position: { x: 0, y: 500 },
        data: {
          provider: "replay",
          model: DEMO_MODEL,
          transcript: researcherTranscript,
          latencyMs: DEMO_LATENCY_MS,
        },
      },
      {
        id: "analyst",
        type: "agent",
        position: { x: 520, y: 260 },
        data: {
          agentType: "code",
          name: "analyst",
          description: "Computes and compares numbers with Python.",
          instructions: "",
          maxSteps: 5,
          addBaseTools: false,
          additionalAuthorizedImports: ["statistics"],
        },
      },
      {
        id: "analyst_model",
        type: "model",
        position: { x: 420, y: 500 },
        data: {
          provider: "replay",
          model: DEMO_MODEL,
          transcript: analystTranscript,
          latencyMs: DEMO_LATENCY_MS,
        },
      },
      { id: "sandbox", type: "sandbox", position: { x: 720, y: 500 }, data: { kind: "pyodide" } },
    ],
    edges: [
      edgeOfKind("uses-model", "manager", "manager_model"),
      edgeOfKind("manages", "manager", "researcher"),
      edgeOfKind("manages", "manager", "analyst"),
      edgeOfKind("runs-in", "manager", "sandbox"),
      edgeOfKind("uses-model", "researcher", "researcher_model"),
      edgeOfKind("uses-model", "analyst", "analyst_model"),
      edgeOfKind("runs-in", "analyst", "sandbox"),
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

/** Anything with `workflow.create`: the Prisma client or a transaction. */
type WorkflowWriter = { workflow: Pick<Prisma.TransactionClient["workflow"], "create"> };

/** Add the demo workflow to a team (called at sign-up for the new user's personal team). */
export async function seedDemoWorkflow(
  client: WorkflowWriter,
  input: { teamId: string; userId?: string | null },
): Promise<{ id: string }> {
  return client.workflow.create({
    data: {
      teamId: input.teamId,
      name: DEMO_WORKFLOW_NAME,
      description: DEMO_WORKFLOW_DESCRIPTION,
      graph: demoWorkflowDocument() as unknown as Prisma.InputJsonValue,
      createdById: input.userId ?? null,
    },
    select: { id: true },
  });
}
