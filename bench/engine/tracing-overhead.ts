import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { z } from "zod";
import { ReplayModel } from "~/agents/models/replay-model";
import type { TraceContent } from "~/agents/telemetry";
import { ToolCallingAgent } from "~/agents/tool-calling-agent";
import { defineTool } from "~/agents/tools/tool";
import type { TranscriptItem } from "~/graph/agent-spec";

/**
 * What the engine's spans cost: CPU per 10-step ToolCallingAgent run (zero-latency replay model,
 * one tool call a step: 31 spans a run) with no tracing SDK (the API's no-ops, the default), with
 * the SDK exporting OTLP/HTTP JSON to a local receiver that discards, and with content capture too.
 * Each mode runs in its own process (the global tracer provider is set once), after a warm-up.
 *
 *   npx tsx bench/engine/tracing-overhead.ts [runs=1000]
 */

const STEPS = 10;
const runs = Number(process.argv[2] ?? 1000);
const mode = process.argv[3];

const echo = defineTool({
  name: "echo",
  description: "Echoes a number",
  inputs: z.object({ x: z.number().describe("a number") }),
  outputType: "number",
  forward: ({ x }) => x,
});

function agent(): ToolCallingAgent {
  const transcript: TranscriptItem[] = [];
  for (let i = 0; i < STEPS - 1; i++)
    transcript.push({ tool_calls: [{ name: "echo", arguments: { x: i } }] });
  transcript.push({ tool_calls: [{ name: "final_answer", arguments: { answer: "done" } }] });
  return new ToolCallingAgent({
    name: "bench",
    model: new ReplayModel(transcript, { modelId: "replay:bench" }),
    tools: [echo],
    maxSteps: STEPS + 1,
  });
}

/** CPU milliseconds per run of this process's mode. */
async function measure(traceContent?: TraceContent): Promise<number> {
  for (let i = 0; i < 50; i++) await agent().run("warm up", { returnFullResult: true, traceContent });
  const before = process.cpuUsage();
  for (let i = 0; i < runs; i++) await agent().run("task", { returnFullResult: true, traceContent });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / runs;
}

async function child(): Promise<void> {
  if (mode === "off") {
    console.log(JSON.stringify({ mode, msPerRun: await measure() }));
    return;
  }
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new OTLPTraceExporter({
    url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`,
  });
  const provider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000, maxQueueSize: 100_000 })],
  });
  trace.setGlobalTracerProvider(provider);
  const msPerRun = await measure(mode === "content" ? (text) => text : undefined);
  // The export is asynchronous and may lag the loop; what it has not sent is not counted.
  await provider.shutdown().catch(() => undefined);
  sink.close();
  console.log(JSON.stringify({ mode, msPerRun }));
}

if (mode) await child();
else {
  const labels = {
    off: "no SDK (no-op spans)",
    on: "SDK, OTLP/HTTP JSON export",
    content: "SDK, export, OTEL_CAPTURE_CONTENT",
  };
  console.log(`${runs} runs of ${STEPS} steps (31 spans each), CPU per run:`);
  for (const each of Object.keys(labels) as (keyof typeof labels)[]) {
    const result = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, String(runs), each], {
      encoding: "utf8",
    });
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    const parsed = JSON.parse(line || "{}") as { msPerRun?: number };
    console.log(
      `  ${labels[each].padEnd(36)} ${parsed.msPerRun?.toFixed(3) ?? `failed: ${result.stderr}`} ms`,
    );
  }
}
