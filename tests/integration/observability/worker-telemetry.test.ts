import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentSpecInput } from "~/graph/agent-spec";
import { startLookupToolServer } from "../../helpers/lookup-clerk";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../../helpers/otlp-receiver";
import { createTestDatabase } from "../api/test-database";

/**
 * A real `npm run worker` process with Postgres, BullMQ on Redis and a warm Pyodide pool runs one
 * workflow — a code agent (manager) whose Python calls a tool-calling agent (clerk) that calls an
 * HTTP tool — against a scripted OpenAI-compatible server. Its traces go to a real OTLP/HTTP receiver
 * (JSON), its /metrics is parsed with a Prometheus text-format parser, its /readyz answers once the
 * pool is warm. A second worker does the same with OTEL_CAPTURE_CONTENT=true. The model echoes the
 * API key it was sent: the key must never reach a span.
 */

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const QUEUE = `test-observe-${randomBytes(4).toString("hex")}`;
const API_KEY = `sk-observe-${randomBytes(12).toString("hex")}`;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString("hex")}`;
const TASK = "Find out what troupe means (task marker 7f3a)";
/** Token usage the scripted model reports per call: manager (code agent) and clerk (tool calling). */
const MANAGER_USAGE = { prompt_tokens: 300, completion_tokens: 30 };
const CLERK_USAGE = { prompt_tokens: 200, completion_tokens: 20 };
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

const database = await createTestDatabase("observe");
const dataDir = mkdtempSync(join(tmpdir(), "troupe-observe-"));
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL, LOG_LEVEL: "warn" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { createRun } = await import("~/server/runs/run-store");
const { BullmqRunQueue } = await import("~/server/runs/bullmq-queue");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let openai: OpenAITestServer;
let toolServer: HttpServer;
let toolUrl: string;
let receiver: OtlpReceiver;
let queue: InstanceType<typeof BullmqRunQueue>;
let teamId: string;
let workflowId: string;
let versionId: string;
const workers: ChildProcess[] = [];
let workerLog = "";

function workflowSpec(): AgentSpecInput {
  const model = { provider: "openai" as const, model: "gpt-4o-mini", baseUrl: openai.url };
  return {
    type: "code",
    name: "manager",
    model,
    maxSteps: 4,
    managedAgents: [
      {
        type: "toolCalling",
        name: "clerk",
        description: "Looks words up.",
        model,
        maxSteps: 4,
        tools: [
          {
            kind: "http",
            name: "lookup",
            description: "Look a word up.",
            method: "GET",
            url: `${toolUrl}/lookup?q={q}`,
            inputs: { q: { type: "string", description: "The word." } },
          },
        ],
      },
    ],
  };
}

/** The manager asks the clerk from Python, then answers; the clerk looks the word up, then answers. */
function scriptModel(): void {
  openai.fallback = (request) => {
    const messages = request.body.messages as Array<{ role: string }>;
    const answered = messages.filter((message) => message.role === "assistant").length;
    const key = String(request.headers.authorization ?? "").replace(/^Bearer\s+/, "");
    if (request.body.tools) {
      return answered === 0
        ? { usage: CLERK_USAGE, toolCalls: [{ name: "lookup", arguments: { q: "troupe" } }] }
        : {
            usage: CLERK_USAGE,
            toolCalls: [{ name: "final_answer", arguments: { answer: "definition of troupe" } }],
          };
    }
    return answered === 0
      ? {
          usage: MANAGER_USAGE,
          content: `Thought: my key is ${key}; I ask the clerk.\n<code>\nreport = clerk(task="Define troupe")\nprint(report)\n</code>`,
        }
      : {
          usage: MANAGER_USAGE,
          content: 'Thought: done.\n<code>\nfinal_answer("Answer: " + report)\n</code>',
        };
  };
}

function startWorker(port: number, extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/worker/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: database.url,
      REDIS_URL,
      RUN_QUEUE_NAME: QUEUE,
      TROUPE_DATA_DIR: dataDir,
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: openai.url,
      OUTBOUND_ALLOW: new URL(toolUrl).host,
      PYODIDE_POOL_SIZE: "1",
      HOST: "127.0.0.1",
      WORKER_HTTP_PORT: String(port),
      METRICS_TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      LOG_LEVEL: "warn",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    workerLog += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    workerLog += chunk.toString();
  });
  workers.push(child);
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Poll the worker's /readyz until it answers 200 (its sandbox pool is warm); returns the body. */
async function waitUntilReady(port: number, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = await response.json();
      if (response.status === 200) return body;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`worker never ready: ${last}\n${workerLog}`);
    await sleep(250);
  }
}

async function runToEnd(): Promise<string> {
  const run = await createRun(db, {
    teamId,
    workflowId,
    workflowVersionId: versionId,
    spec: workflowSpec() as never,
    task: TASK,
  });
  await queue.enqueue(run.id);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const row = await db.run.findUniqueOrThrow({
      where: { id: run.id },
      select: { status: true, error: true },
    });
    if (!["queued", "running", "waiting_for_input"].includes(row.status)) {
      expect(row, workerLog).toMatchObject({ status: "succeeded", error: null });
      return run.id;
    }
    if (Date.now() > deadline) throw new Error(`run still ${row.status}\n${workerLog}`);
    await sleep(100);
  }
}

/** The spans of one run's trace, once its root span has arrived. */
async function traceOf(runId: string): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const root = receiver.spans.find(
      (span) => span.parentSpanId === undefined && span.attributes["troupe.run.id"] === runId,
    );
    if (root) return receiver.spans.filter((span) => span.traceId === root.traceId);
    if (Date.now() > deadline) throw new Error(`no trace for run ${runId}: ${receiver.spans.length} spans`);
    await sleep(100);
  }
}

/** The one child of `parent` named `name`. */
function child(spans: ReceivedSpan[], parent: ReceivedSpan, name: string): ReceivedSpan {
  const found = spans.filter((span) => span.parentSpanId === parent.spanId && span.name === name);
  expect(
    found.map((span) => span.name),
    `children of ${parent.name}`,
  ).toEqual([name]);
  return found[0]!;
}

const CONTENT_ATTRIBUTES = [
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "troupe.sandbox.code",
];

beforeAll(async () => {
  await startDatabase();
  const account = await signUp({ name: "Ada", email: "ada@example.com", password: "observable engines" });
  if (!account.ok) throw new Error("sign-up failed");
  const user = await db.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
  teamId = (await db.membership.findFirstOrThrow({ where: { userId: user.id } })).teamId;
  const workflow = await db.workflow.create({ data: { teamId, name: "Lookup", graph: {} } });
  workflowId = workflow.id;
  versionId = (await db.workflowVersion.create({ data: { workflowId, number: 1, graph: {} } })).id;
  openai = await startOpenAIServer();
  scriptModel();
  ({ url: toolUrl, server: toolServer } = await startLookupToolServer());
  receiver = await startOtlpReceiver();
  queue = new BullmqRunQueue({ redisUrl: REDIS_URL, name: QUEUE });
}, 60_000);

afterAll(async () => {
  for (const worker of workers) await stopWorker(worker);
  await queue?.close(100);
  toolServer?.close();
  await openai?.close();
  await receiver?.close();
  await db.$disconnect();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("a worker process's traces, metrics and readiness", () => {
  let runId: string;
  let metricsText: string;
  let spans: ReceivedSpan[];

  beforeAll(async () => {
    const worker = startWorker(4101);
    const ready = await waitUntilReady(4101, 120_000);
    expect(ready).toEqual({
      ready: true,
      checks: { database: { ok: true }, redis: { ok: true }, "sandbox-pool": { ok: true } },
    });
    runId = await runToEnd();
    const scrape = await fetch("http://127.0.0.1:4101/metrics", {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain");
    metricsText = await scrape.text();
    // A clean stop flushes the spans still batched.
    await stopWorker(worker);
    spans = await traceOf(runId);
  }, 240_000);

  it("refuses /metrics without the token or with a wrong one, and answers /healthz", async () => {
    const worker = workers[0]!;
    expect(worker.exitCode ?? worker.signalCode).not.toBeNull();
    const again = startWorker(4103, { PYODIDE_POOL_SIZE: "0" });
    try {
      const deadline = Date.now() + 60_000;
      let health: Response | undefined;
      while (!health) {
        health = await fetch("http://127.0.0.1:4103/healthz").catch(() => undefined);
        if (!health) {
          if (Date.now() > deadline) throw new Error(`no /healthz\n${workerLog}`);
          await sleep(250);
        }
      }
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const anonymous = await fetch("http://127.0.0.1:4103/metrics");
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
      const wrong = await fetch("http://127.0.0.1:4103/metrics", {
        headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
      });
      expect(wrong.status).toBe(401);
      expect((await fetch("http://127.0.0.1:4103/elsewhere")).status).toBe(404);
    } finally {
      await stopWorker(again);
    }
  });

  it("counts the run, its steps, model calls, tokens, cost, sandbox work and event writes", async () => {
    const families = new Map<string, PrometheusFamily>(
      parsePrometheusTextFormat(metricsText).map((family) => [family.name, family]),
    );
    const value = (name: string, labels: Record<string, string> = {}) => {
      const family = families.get(name);
      expect(family, `metric ${name}`).toBeDefined();
      const sample = family!.metrics.find((metric) =>
        Object.entries(labels).every(([key, wanted]) => metric.labels?.[key] === wanted),
      );
      expect(sample, `${name} ${JSON.stringify(labels)}`).toBeDefined();
      return Number(sample!.value ?? sample!.count);
    };
    /**
     * One series of a histogram. The parser folds a histogram's labelled series into one, so each
     * series is cut out of the text, its labels dropped, and parsed on its own.
     */
    const histogram = (name: string, labels: Record<string, string> = {}) => {
      expect(families.get(name)?.type, name).toBe("HISTOGRAM");
      const selectors = Object.entries(labels).map(([key, wanted]) => `${key}="${wanted}"`);
      const series = metricsText
        .split("\n")
        .filter((line) => line.startsWith(`${name}_`) && selectors.every((s) => line.includes(s)))
        .map((line) =>
          selectors
            .reduce((text, s) => text.replace(`,${s}`, "").replace(`${s},`, "").replace(s, ""), line)
            .replace("{}", ""),
        );
      const [parsed] = parsePrometheusTextFormat(`# TYPE ${name} histogram\n${series.join("\n")}\n`);
      const sample = parsed?.metrics[0];
      expect(sample?.count, `${name} ${JSON.stringify(labels)}`).toBeDefined();
      return { count: Number(sample!.count), sum: Number(sample!.sum) };
    };

    const stored = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const eventCount = await db.runEvent.count({ where: { runId } });
    const modelCalls = openai.requests.filter((request) => request.path.endsWith("/chat/completions"));
    expect(modelCalls).toHaveLength(4);

    expect(value("troupe_runs_started_total")).toBe(1);
    expect(value("troupe_runs_finished_total", { status: "succeeded" })).toBe(1);
    expect(histogram("troupe_run_duration_seconds", { status: "succeeded" }).count).toBe(1);
    expect(value("troupe_active_runs")).toBe(0);
    expect(histogram("troupe_queue_wait_seconds").count).toBe(1);
    expect(value("troupe_queue_pending_runs")).toBe(0);
    // Two steps of the manager, two of the clerk.
    expect(histogram("troupe_step_duration_seconds").count).toBe(4);
    expect(
      histogram("troupe_model_call_duration_seconds", { provider: "openai", model: "gpt-4o-mini" }).count,
    ).toBe(4);
    const input = value("troupe_model_tokens_total", { model: "gpt-4o-mini", direction: "input" });
    const output = value("troupe_model_tokens_total", { model: "gpt-4o-mini", direction: "output" });
    expect(input).toBe(2 * MANAGER_USAGE.prompt_tokens + 2 * CLERK_USAGE.prompt_tokens);
    expect(output).toBe(2 * MANAGER_USAGE.completion_tokens + 2 * CLERK_USAGE.completion_tokens);
    expect([input, output]).toEqual([stored.inputTokens, stored.outputTokens]);
    // gpt-4o-mini's list price: $0.15 / $0.60 per million tokens, as the run's stored cost.
    expect(value("troupe_model_cost_usd_total", { model: "gpt-4o-mini" })).toBeCloseTo(
      (input * 0.15 + output * 0.6) / 1_000_000,
      12,
    );
    expect(stored.costUsd).toBeCloseTo((input * 0.15 + output * 0.6) / 1_000_000, 12);
    expect(value("troupe_sandbox_executions_total", { kind: "pyodide", outcome: "ok" })).toBe(2);
    expect(families.get("troupe_sandbox_timeouts_total")?.metrics ?? []).toEqual([]);
    expect(value("troupe_sandbox_boots_total", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value("troupe_sandbox_pool_processes", { state: "ready" })).toBeGreaterThanOrEqual(0);
    const writes = histogram("troupe_event_write_batch_events");
    expect(writes.sum).toBe(eventCount);
    expect(writes.count).toBeGreaterThanOrEqual(1);
    expect(histogram("troupe_event_write_duration_seconds").count).toBe(writes.count);
    expect(value("troupe_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("exports the run's span tree with the GenAI attributes and no content", () => {
    expect(receiver.rejected).toEqual([]);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    for (const span of spans) {
      if (span.parentSpanId !== undefined) expect(byId.has(span.parentSpanId), span.name).toBe(true);
      expect(span.service).toBe("troupe-worker");
    }
    const root = spans.find((span) => span.parentSpanId === undefined)!;
    expect(root).toMatchObject({ name: "run manager", kind: SPAN_KIND_SERVER, scope: "troupe.server" });
    expect(root.attributes).toMatchObject({
      "troupe.run.id": runId,
      "troupe.team.id": teamId,
      "troupe.workflow.id": workflowId,
      "troupe.workflow.version.id": versionId,
      "troupe.run.status": "succeeded",
      "troupe.run.attempt": 1,
    });

    const manager = child(spans, root, "invoke_agent manager");
    expect(manager.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "manager",
      "troupe.run.id": runId,
    });
    const managerStep1 = child(spans, manager, "step 1");
    const managerStep2 = child(spans, manager, "step 2");
    for (const step of [managerStep1, managerStep2]) {
      const chat = child(spans, step, "chat gpt-4o-mini");
      expect(chat.kind).toBe(SPAN_KIND_CLIENT);
      expect(chat.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.agent.name": "manager",
        "gen_ai.usage.input_tokens": MANAGER_USAGE.prompt_tokens,
        "gen_ai.usage.output_tokens": MANAGER_USAGE.completion_tokens,
        "gen_ai.response.finish_reasons": ["stop"],
      });
    }
    const sandbox = child(spans, managerStep1, "sandbox pyodide");
    expect(sandbox.attributes).toMatchObject({ "troupe.sandbox.kind": "pyodide", "troupe.step.number": 1 });
    child(spans, managerStep2, "sandbox pyodide");

    // The managed agent: called from the manager's Python, nested under the sandbox's tool call.
    const clerkCall = child(spans, sandbox, "execute_tool clerk");
    expect(clerkCall.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "clerk",
    });
    const clerk = child(spans, clerkCall, "invoke_agent clerk");
    expect(clerk.attributes).toMatchObject({
      "gen_ai.agent.name": "clerk",
      "troupe.agent.path": "manager/clerk",
    });
    const clerkStep1 = child(spans, clerk, "step 1");
    const clerkChat = child(spans, clerkStep1, "chat gpt-4o-mini");
    expect(clerkChat.attributes).toMatchObject({
      "gen_ai.agent.name": "clerk",
      "gen_ai.usage.input_tokens": CLERK_USAGE.prompt_tokens,
      "gen_ai.usage.output_tokens": CLERK_USAGE.completion_tokens,
      "gen_ai.response.finish_reasons": ["tool_calls"],
    });
    expect(child(spans, clerkStep1, "execute_tool lookup").attributes).toMatchObject({
      "gen_ai.tool.name": "lookup",
    });
    child(spans, child(spans, clerk, "step 2"), "execute_tool final_answer");

    for (const span of spans)
      for (const key of CONTENT_ATTRIBUTES) expect(span.attributes).not.toHaveProperty(key);
    const payloads = receiver.rawBodies.join("\n");
    expect(payloads).not.toContain(API_KEY);
    expect(payloads).not.toContain("task marker 7f3a");
  });

  it("puts prompts, completions, tool calls and code on the spans with OTEL_CAPTURE_CONTENT, secrets scrubbed", async () => {
    const worker = startWorker(4102, { OTEL_CAPTURE_CONTENT: "true" });
    await waitUntilReady(4102, 120_000);
    const captured = await runToEnd();
    await stopWorker(worker);
    const trace = await traceOf(captured);
    const chats = trace.filter((span) => span.name === "chat gpt-4o-mini");
    expect(chats).toHaveLength(4);
    for (const chat of chats) {
      const inputMessages = JSON.parse(String(chat.attributes["gen_ai.input.messages"]));
      expect(inputMessages[0]).toMatchObject({ role: "system", parts: [{ type: "text" }] });
      expect(chat.attributes["gen_ai.output.messages"]).toEqual(expect.any(String));
    }
    const managerChats = chats.filter((chat) => chat.attributes["gen_ai.agent.name"] === "manager");
    expect(String(managerChats[0]!.attributes["gen_ai.input.messages"])).toContain("task marker 7f3a");
    // The model echoed the key it was sent: the span holds the redactor's placeholder instead.
    expect(String(managerChats[0]!.attributes["gen_ai.output.messages"])).toContain(
      "[secret OPENAI_API_KEY]",
    );
    expect(String(managerChats[1]!.attributes["gen_ai.input.messages"])).toContain("[secret OPENAI_API_KEY]");
    const lookup = trace.find((span) => span.name === "execute_tool lookup")!;
    expect(JSON.parse(String(lookup.attributes["gen_ai.tool.call.arguments"]))).toEqual({ q: "troupe" });
    expect(lookup.attributes["gen_ai.tool.call.result"]).toBe("definition of troupe");
    const sandboxes = trace.filter((span) => span.name === "sandbox pyodide");
    expect(String(sandboxes.map((span) => span.attributes["troupe.sandbox.code"]))).toContain(
      'report = clerk(task="Define troupe")',
    );
    expect(receiver.rawBodies.join("\n")).not.toContain(API_KEY);
    expect(receiver.rejected).toEqual([]);
  }, 240_000);
});
