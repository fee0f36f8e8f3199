import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import type { AgentSpecInput } from "~/graph/agent-spec";
import type { RunStatusUpdate } from "~/lib/run-stream";
import type { PrismaClient } from "~/server/db";
import type { Logger } from "~/server/logger";
import type { RunEventPublisher } from "~/server/runs/run-publisher";
import { lookupClerkSpec, startLookupToolServer } from "../../helpers/lookup-clerk";
import {
  type OpenAITestServer,
  type RecordedRequest,
  type ScriptedAnswer,
  startOpenAIServer,
} from "../../helpers/openai-server";
import { createTestDatabase } from "../api/test-database";

/**
 * The run processor for real: a throwaway Postgres database, the engine talking to a scripted
 * OpenAI-compatible HTTP server through the real client, an HTTP tool, the in-process run control,
 * and a publisher that records what browsers would have received. The database runs in a time zone
 * far from UTC (+14) so that a timestamp written in the wrong zone shows.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = await createTestDatabase("process_run");
{
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(
    `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET timezone TO 'Pacific/Kiritimati'`,
  );
  await admin.end();
}
Object.assign(process.env, { DATABASE_URL: database.url, LOG_LEVEL: "warn" });
process.env.AUTH_SECRET ??= "process-run-test-secret-0123456789abcdef";

const { db, startDatabase } = await import("~/server/db");
const { createRun, jsonForPostgres, listEventsAfter } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { InProcessRunControl } = await import("~/server/runs/run-control");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every model call of these tests reports this usage (gpt-4o-mini: $0.15 / $0.60 per million). */
const USAGE = { prompt_tokens: 1000, completion_tokens: 100 };
const CLERK_COST_USD = (2 * 1000 * 0.15 + 2 * 100 * 0.6) / 1_000_000;

let openai: OpenAITestServer;
let toolServer: HttpServer;
let toolUrl: string;
let teamId: string;
/** A plain connection whose query goes out the moment it is made (Prisma's takes a few ticks). */
let statusReader: pg.Client;

/** The run's status as the database has it now: the query is sent before this returns. */
const statusNow = (runId: string): Promise<string | undefined> =>
  statusReader
    .query<{ status: string }>(`SELECT "status" FROM "Run" WHERE "id" = $1`, [runId])
    .then((result) => result.rows[0]?.status);

/** One request to the scripted tool server; `answered` stays false when the caller hung up first. */
interface ToolRequest {
  word: string;
  answered: boolean;
}

/**
 * An HTTP tool of these tests' own, in the lookup tool's shape (`GET /lookup?q=<word>`), whose answer
 * and delay `tool.reply` decides per word. It records each request and whether it was answered.
 */
const tool = {
  url: "",
  server: undefined as HttpServer | undefined,
  requests: [] as ToolRequest[],
  reply: (word: string): { text: string; delayMs?: number } => ({ text: `definition of ${word}` }),
};

async function startScriptedToolServer(): Promise<void> {
  const server = createServer((req, res) => {
    const word = new URL(req.url ?? "/", "http://x").searchParams.get("q") ?? "";
    const { text, delayMs = 0 } = tool.reply(word);
    const request: ToolRequest = { word, answered: false };
    tool.requests.push(request);
    const timer = setTimeout(() => {
      request.answered = true;
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(text);
    }, delayMs);
    res.on("close", () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tool.server = server;
  tool.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  await startDatabase();
  openai = await startOpenAIServer();
  ({ url: toolUrl, server: toolServer } = await startLookupToolServer());
  await startScriptedToolServer();
  statusReader = new pg.Client({ connectionString: database.url });
  await statusReader.connect();
  teamId = (await db.team.create({ data: { name: "Runners", slug: "runners" } })).id;
});

afterAll(async () => {
  await statusReader?.end();
  toolServer?.close();
  tool.server?.closeAllConnections();
  tool.server?.close();
  await openai?.close();
  await db.$disconnect();
  await database.drop();
});

beforeEach(() => {
  openai.reset();
  openai.fallback = undefined;
  tool.requests.length = 0;
  tool.reply = (word) => ({ text: `definition of ${word}` });
});

async function until(condition: () => boolean | Promise<boolean>, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const messagesOf = (request: RecordedRequest) => JSON.stringify(request.body.messages ?? []);
const hasAnswered = (request: RecordedRequest) =>
  (request.body.messages as { role: string }[]).some((message) => message.role === "assistant");

/**
 * The lookup clerk's model, for tasks "Define the word <w>.": look <w> up, then answer with what the
 * tool said. `delayMs` may depend on the word and on whether it is the first call.
 */
function scriptClerk(delayMs: (word: string, first: boolean) => number = () => 50) {
  openai.fallback = (request): ScriptedAnswer => {
    const word = /Define the word (\w+)/.exec(messagesOf(request))?.[1] ?? "unknown";
    const first = !hasAnswered(request);
    const delay = delayMs(word, first);
    if (first)
      return { delayMs: delay, usage: USAGE, toolCalls: [{ name: "lookup", arguments: { q: word } }] };
    const definition = /definition of \w+/.exec(messagesOf(request))?.[0] ?? "no definition";
    return {
      delayMs: delay,
      usage: USAGE,
      toolCalls: [{ name: "final_answer", arguments: { answer: definition } }],
    };
  };
}

const requestsFor = (word: string) => openai.requests.filter((r) => messagesOf(r).includes(`word ${word}`));

function clerkSpec(): AgentSpecInput {
  return lookupClerkSpec(openai.url, toolUrl, "Looks words up.");
}

/** A ToolCallingAgent that can ask the user a question (the engine's `user_input` tool). */
function userInputHostSpec(): AgentSpecInput {
  return {
    type: "toolCalling",
    name: "host",
    model: { provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url },
    tools: [{ kind: "builtin", name: "user_input" }],
    maxSteps: 4,
  };
}

/** The lookup clerk, using the scripted tool server (`tool.reply`) instead of the plain one. */
function scriptedToolClerkSpec(): AgentSpecInput {
  return lookupClerkSpec(openai.url, tool.url, "Looks words up.");
}

/**
 * What browsers would have received; flags any event handed on before the store had it. `timeline`
 * is every event and status in the order handed on; `onEvents` sees each batch as it is handed on.
 */
class CapturingPublisher implements RunEventPublisher {
  readonly batches: { runId: string; events: RunEvent[] }[] = [];
  readonly statuses: RunStatusUpdate[] = [];
  readonly publishedBeforeStored: string[] = [];
  readonly timeline: string[] = [];
  onEvents: ((runId: string, events: RunEvent[]) => void) | undefined;
  constructor(private readonly stored: ReadonlySet<string>) {}
  publishEvents(runId: string, events: RunEvent[]): void {
    for (const event of events)
      if (!this.stored.has(`${runId}:${event.seq}`)) this.publishedBeforeStored.push(`${runId}:${event.seq}`);
    this.batches.push({ runId, events });
    for (const event of events) this.timeline.push(`${runId} event ${event.type}`);
    this.onEvents?.(runId, events);
  }
  publishStatus(update: RunStatusUpdate): void {
    this.statuses.push(update);
    this.timeline.push(`${update.runId} status ${update.status}`);
  }
  async close(): Promise<void> {}
  eventsOf(runId: string): RunEvent[] {
    return this.batches.filter((b) => b.runId === runId).flatMap((b) => b.events);
  }
  statusesOf(runId: string): [string, string | null | undefined][] {
    return this.statuses.filter((s) => s.runId === runId).map((s) => [s.status, s.error]);
  }
}

interface EventWrite {
  ok: boolean;
  keys: string[];
  runs: string[];
}

/**
 * A processor as a worker builds it, over a database client that records each event-write
 * statement (appendEvents' one `$executeRaw`): which (run, seq) it carried and whether it committed.
 */
function startProcessor(options: { batch?: { intervalMs?: number; maxEvents?: number } } = {}) {
  const stored = new Set<string>();
  const writes: EventWrite[] = [];
  const instrumented = db.$extends({
    query: {
      async $allOperations({ operation, args, query }) {
        if (operation !== "$executeRaw") return query(args);
        const values = (args as { values?: unknown[] }).values ?? [];
        const rows = (typeof values[0] === "string" ? JSON.parse(values[0]) : []) as {
          runId: string;
          seq: number;
        }[];
        const keys = rows.map((row) => `${row.runId}:${row.seq}`);
        const runs = [...new Set(rows.map((row) => row.runId))];
        try {
          const result = await query(args);
          for (const key of keys) stored.add(key);
          writes.push({ ok: true, keys, runs });
          return result;
        } catch (error) {
          writes.push({ ok: false, keys, runs });
          throw error;
        }
      },
    },
  }) as unknown as PrismaClient;
  const publisher = new CapturingPublisher(stored);
  const control = new InProcessRunControl();
  const logs: { msg?: string; runId?: string; reference?: string; err?: { message?: string } }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const processRun = createRunProcessor({
    db: instrumented,
    publisher,
    control,
    agentDeps: () => ({
      // As a server whose OPENAI_BASE_URL is the scripted model server: the key is bound to it.
      resolveSecret: async (name) =>
        name === "OPENAI_API_KEY"
          ? { value: "sk-test", allowedOrigins: [new URL(openai.url).origin], modelsOnly: true }
          : undefined,
      // The tools' servers are on loopback, which only OUTBOUND_ALLOW opens.
      outbound: { trustedOrigins: [openai.url], allow: [new URL(toolUrl).host, new URL(tool.url).host] },
      createExecutor: async () => {
        throw new Error("these runs need no sandbox");
      },
    }),
    logger: logger as unknown as Logger,
    ...(options.batch ? { batch: options.batch } : {}),
  });
  const run = (runId: string, attempt = 1, signal = new AbortController().signal) =>
    processRun({ runId, attempt }, signal);
  return { run, publisher, control, writes, logs };
}

/** The stored events of a run, checked to be seq 0..n without a gap. */
async function storedEvents(runId: string): Promise<RunEvent[]> {
  const events = await listEventsAfter(db, runId, -1, 10_000);
  expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i));
  return events;
}

const CLERK_EVENT_TYPES = [
  "run_started",
  "step_started",
  "model_output",
  "tool_call",
  "observation",
  "step_finished",
  "step_started",
  "model_output",
  "tool_call",
  "step_finished",
  "final_answer",
  "run_finished",
];

function expectRecent(date: Date | null) {
  expect(date).toBeInstanceOf(Date);
  expect(Math.abs(Date.now() - date!.getTime())).toBeLessThan(60_000);
}

describe("run processor", () => {
  it("runs a queued run to success, storing every event once and publishing them only after they are stored", async () => {
    scriptClerk();
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: clerkSpec() as never,
      task: "Define the word troupe.",
    });

    await worker.run(id);

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({
      status: "succeeded",
      error: null,
      output: "definition of troupe",
      hitStepLimit: false,
      attempt: 1,
      inputTokens: 2000,
      outputTokens: 200,
    });
    expect(run.costUsd).toBeCloseTo(CLERK_COST_USD, 12);
    expectRecent(run.startedAt);
    expectRecent(run.finishedAt);
    expect(run.startedAt!.getTime()).toBeGreaterThanOrEqual(run.createdAt.getTime());
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());

    const events = await storedEvents(id);
    expect(events.map((event) => event.type)).toEqual(CLERK_EVENT_TYPES);
    expect(events.at(-1)).toMatchObject({
      type: "run_finished",
      state: "success",
      output: "definition of troupe",
    });
    expect(run.lastSeq).toBe(events.length - 1);

    expect(worker.publisher.eventsOf(id)).toEqual(events);
    expect(worker.publisher.publishedBeforeStored).toEqual([]);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["succeeded", null],
    ]);
    expect(requestsFor("troupe")).toHaveLength(2);
  });

  it("carries 10 concurrent runs on one processor, their events sharing write statements", async () => {
    // Every run's first model call answers at one moment and its second at another, as under load.
    // The gathering window is 50 ms rather than 20: on a busy two-core test machine, handling ten
    // answers that arrive together takes longer than 20 ms, which would split them over statements.
    const firstAt = Date.now() + 1500;
    scriptClerk((_word, first) => Math.max(0, (first ? firstAt : firstAt + 1000) - Date.now()));
    const worker = startProcessor({ batch: { intervalMs: 50 } });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const run = await createRun(db, {
        teamId,
        spec: clerkSpec() as never,
        task: `Define the word word${i}.`,
      });
      ids.push(run.id);
    }

    // Open the pool's connections first, so the ten claims do not wait for new connections.
    await Promise.all(ids.map(() => db.$executeRaw`SELECT pg_sleep(0.05)`));
    await Promise.all(ids.map((id) => worker.run(id)));

    const runs = await db.run.findMany({ where: { id: { in: ids } } });
    const byId = new Map(runs.map((run) => [run.id, run]));
    for (const [i, id] of ids.entries()) {
      const run = byId.get(id)!;
      expect([run.status, run.error, run.output, run.attempt]).toEqual([
        "succeeded",
        null,
        `definition of word${i}`,
        1,
      ]);
      expect([run.inputTokens, run.outputTokens]).toEqual([2000, 200]);
      expect(run.costUsd).toBeCloseTo(CLERK_COST_USD, 12);
      const events = await storedEvents(id);
      expect(events.map((event) => event.type)).toEqual(CLERK_EVENT_TYPES);
      expect(run.lastSeq).toBe(events.length - 1);
      expect(worker.publisher.eventsOf(id)).toEqual(events);
    }
    expect(worker.publisher.publishedBeforeStored).toEqual([]);

    // Each (run, seq) went out in exactly one statement, and statements were shared by runs.
    const committed = worker.writes.filter((write) => write.ok);
    expect(worker.writes.every((write) => write.ok)).toBe(true);
    const keys = committed.flatMap((write) => write.keys);
    expect(keys.length).toBe(new Set(keys).size);
    expect(keys.length).toBe(10 * CLERK_EVENT_TYPES.length);
    console.log(`10 concurrent runs: ${committed.length} event-write statements for ${keys.length} events`);
    // How many statements depends on the machine's load (bench/runs measures it); that runs share
    // statements does not.
    expect(committed.length).toBeLessThan(keys.length);
    expect(Math.max(...committed.map((write) => write.runs.length))).toBeGreaterThan(1);
  });

  it("cancels a run within a second when a cancel arrives while its model call is in flight", async () => {
    scriptClerk(() => 2000);
    const worker = startProcessor();
    const { id } = await createRun(db, { teamId, spec: clerkSpec() as never, task: "Define the word slow." });

    const processing = worker.run(id);
    await until(() => requestsFor("slow").length === 1, 10_000, "the model call");
    const cancelledAt = Date.now();
    await worker.control.send({ type: "cancel", runId: id, reason: "Cancelled by a user." });
    await processing;
    const elapsed = Date.now() - cancelledAt;

    expect(elapsed).toBeLessThan(1000);
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual(["cancelled", "Cancelled by a user.", null]);
    expectRecent(run.finishedAt);
    const events = await storedEvents(id);
    expect(events.some((event) => event.type === "model_output")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "run_finished", state: "cancelled" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.eventsOf(id)).toEqual(events);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["cancelled", "Cancelled by a user."],
    ]);
    // The model call itself was aborted, not left to finish.
    await until(() => openai.aborted.length === 1, 2000, "the aborted model request");
    expect(requestsFor("slow")).toHaveLength(1);
  });

  it("cancels a run whose cancel was requested before it started, without running it", async () => {
    scriptClerk();
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: clerkSpec() as never,
      task: "Define the word never.",
    });
    await db.run.update({ where: { id }, data: { cancelRequestedAt: new Date() } });

    await worker.run(id);

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.attempt, run.startedAt, run.lastSeq]).toEqual([
      "cancelled",
      "Cancelled before it started.",
      0,
      null,
      -1,
    ]);
    expectRecent(run.finishedAt);
    expect(await storedEvents(id)).toEqual([]);
    expect(openai.requests).toHaveLength(0);
    expect(worker.publisher.statusesOf(id)).toEqual([["cancelled", "Cancelled before it started."]]);
    expect(worker.publisher.batches).toEqual([]);
  });

  it("stops a run at its time limit and names the limit", async () => {
    scriptClerk(() => 3000);
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: clerkSpec() as never,
      task: "Define the word eternal.",
      timeLimitSeconds: 1,
    });

    const started = Date.now();
    await worker.run(id);
    const elapsed = Date.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual([
      "timed_out",
      "Stopped at the time limit of 1 s.",
      null,
    ]);
    const ranFor = run.finishedAt!.getTime() - run.startedAt!.getTime();
    expect(ranFor).toBeGreaterThanOrEqual(1000);
    expect(ranFor).toBeLessThan(2500);
    const events = await storedEvents(id);
    expect(events.at(-1)).toMatchObject({ type: "run_finished" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["timed_out", "Stopped at the time limit of 1 s."],
    ]);
  });

  it("stops a run at its cost cap, priced with the team's own model price", async () => {
    scriptClerk((_word, first) => (first ? 50 : 1500));
    const team = await db.team.create({ data: { name: "Big spenders", slug: "big-spenders" } });
    // $1,000 per million tokens both ways: one call of 1000 + 100 tokens costs $1.10.
    await db.modelPrice.create({
      data: { teamId: team.id, model: "gpt-4o-mini", inputUsdPerMillion: 1000, outputUsdPerMillion: 1000 },
    });
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId: team.id,
      spec: clerkSpec() as never,
      task: "Define the word pricey.",
      costCapUsd: 0.5,
    });

    const started = Date.now();
    await worker.run(id);

    expect(Date.now() - started).toBeLessThan(1500);
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe("failed");
    expect(run.error).toBe("Stopped at the cost cap of $0.50.");
    expect(run.error).toContain("cost cap");
    expect(run.costUsd).toBeCloseTo(1.1, 9);
    expect(run.costUsd!).toBeGreaterThan(0.5);
    expect([run.inputTokens, run.outputTokens]).toEqual([1000, 100]);
    const events = await storedEvents(id);
    expect(events.filter((event) => event.type === "model_output")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "run_finished" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.eventsOf(id)).toEqual(events);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["failed", "Stopped at the cost cap of $0.50."],
    ]);
  });

  it("stops a run of a model with no known price at its token cap, though its cost cap can never be reached", async () => {
    // The second model call answers only after 1.5 s: the cap stops the run before that answer.
    scriptClerk((_word, first) => (first ? 50 : 1500));
    const worker = startProcessor();
    const spec = clerkSpec();
    spec.model = { provider: "openai", model: "house-model-without-a-price", baseUrl: openai.url };
    const { id } = await createRun(db, {
      teamId,
      spec: spec as never,
      task: "Define the word unpriced.",
      costCapUsd: 0.01,
      tokenCap: 1000,
    });

    const started = Date.now();
    await worker.run(id);

    expect(Date.now() - started).toBeLessThan(1500);
    const message =
      "Stopped at the token cap of 1,000 tokens. This run's model has no known price, so it is capped by tokens.";
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.costUsd]).toEqual(["failed", message, null]);
    expect([run.inputTokens, run.outputTokens]).toEqual([1000, 100]);
    const events = await storedEvents(id);
    expect(events.filter((event) => event.type === "model_output")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "run_finished" });
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["failed", message],
    ]);
  });

  it("fails a run whose worker shuts down mid-run, saying so", async () => {
    scriptClerk(() => 2000);
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: clerkSpec() as never,
      task: "Define the word halted.",
    });
    const job = new AbortController();

    const processing = worker.run(id, 1, job.signal);
    await until(() => requestsFor("halted").length === 1, 10_000, "the model call");
    const abortedAt = Date.now();
    job.abort();
    await processing;

    expect(Date.now() - abortedAt).toBeLessThan(1000);
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error]).toEqual([
      "failed",
      "The worker shut down before this run finished (its grace period ran out). Start it again.",
    ]);
    const events = await storedEvents(id);
    expect(events.at(-1)).toMatchObject({ type: "run_finished" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["failed", "The worker shut down before this run finished (its grace period ran out). Start it again."],
    ]);
  });

  it("fails a run delivered again while it is still marked running, saying its worker stopped unexpectedly", async () => {
    scriptClerk();
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: clerkSpec() as never,
      task: "Define the word orphan.",
    });
    const startedAt = new Date(Date.now() - 5000);
    await db.run.update({ where: { id }, data: { status: "running", attempt: 1, startedAt } });

    await worker.run(id, 2);

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^The worker running this run stopped unexpectedly/);
    expect([run.attempt, run.startedAt]).toEqual([1, startedAt]);
    expectRecent(run.finishedAt);
    expect(await storedEvents(id)).toEqual([]);
    expect(openai.requests).toHaveLength(0);
    expect(worker.publisher.statusesOf(id)).toEqual([["failed", run.error]]);
  });

  it("waits for the user's answer to a user_input question and resumes with it to success", async () => {
    openai.fallback = (request): ScriptedAnswer => {
      if (!hasAnswered(request))
        return {
          usage: USAGE,
          toolCalls: [{ name: "user_input", arguments: { question: "Which colour do you like?" } }],
        };
      const colour = /(teal|mauve)/.exec(messagesOf(request))?.[1] ?? "nothing";
      return {
        usage: USAGE,
        toolCalls: [{ name: "final_answer", arguments: { answer: `You like ${colour}.` } }],
      };
    };
    const worker = startProcessor();
    const spec = userInputHostSpec();
    const { id } = await createRun(db, {
      teamId,
      spec: spec as never,
      task: "Ask me for my favourite colour.",
    });
    // The run's status in the database as the question reaches the browser.
    let statusWhenAsked: Promise<string | undefined> | undefined;
    worker.publisher.onEvents = (runId, events) => {
      if (runId === id && events.some((event) => event.type === "user_input_request"))
        statusWhenAsked = statusNow(id);
    };

    const processing = worker.run(id);
    await until(
      async () => (await db.run.findUniqueOrThrow({ where: { id } })).status === "waiting_for_input",
      10_000,
      "waiting_for_input",
    );
    await until(() => statusWhenAsked !== undefined, 5000, "the question to be handed on");
    // The run was waiting before its question was handed on, so a reply to it is accepted at once.
    expect(await statusWhenAsked).toBe("waiting_for_input");
    const ownTimeline = () => worker.publisher.timeline.filter((line) => line.startsWith(`${id} `));
    expect(
      ownTimeline().filter(
        (line) => line.includes("waiting_for_input") || line.endsWith("user_input_request"),
      ),
    ).toEqual([`${id} status waiting_for_input`, `${id} event user_input_request`]);
    const asked = (await storedEvents(id)).find((event) => event.type === "user_input_request");
    expect(asked).toMatchObject({ question: "Which colour do you like?", agentPath: ["host"] });
    const requestId = (asked as Extract<RunEvent, { type: "user_input_request" }>).requestId;
    expect(worker.publisher.eventsOf(id)).toContainEqual(asked);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["waiting_for_input", null],
    ]);

    // An answer to another question, or for another run, changes nothing.
    await worker.control.send({ type: "user_input", runId: id, requestId: "not-a-question", text: "mauve" });
    await worker.control.send({ type: "user_input", runId: "another-run", requestId, text: "mauve" });
    await sleep(200);
    expect((await db.run.findUniqueOrThrow({ where: { id } })).status).toBe("waiting_for_input");
    expect(openai.requests).toHaveLength(1);

    await worker.control.send({ type: "user_input", runId: id, requestId, text: "teal" });
    await processing;

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual(["succeeded", null, "You like teal."]);
    expect([run.inputTokens, run.outputTokens]).toEqual([2000, 200]);
    const events = await storedEvents(id);
    expect(events.find((event) => event.type === "observation")).toMatchObject({ observation: "teal" });
    expect(events.at(-1)).toMatchObject({ type: "run_finished", state: "success", output: "You like teal." });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.eventsOf(id)).toEqual(events);
    expect(worker.publisher.publishedBeforeStored).toEqual([]);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["waiting_for_input", null],
      ["running", null],
      ["succeeded", null],
    ]);
    expect(openai.requests).toHaveLength(2);
    const secondCall = openai.requests[1]!.body.messages as { role: string; content?: unknown }[];
    expect(JSON.stringify(secondCall.at(-1))).toContain("teal");
    expect(messagesOf(openai.requests[1]!)).not.toContain("mauve");
  });

  it("cancels a run while it waits for the user's answer", async () => {
    openai.fallback = (): ScriptedAnswer => ({
      usage: USAGE,
      toolCalls: [{ name: "user_input", arguments: { question: "Are you there?" } }],
    });
    const worker = startProcessor();
    const spec = userInputHostSpec();
    const { id } = await createRun(db, { teamId, spec: spec as never, task: "Wait for me." });

    const processing = worker.run(id);
    await until(
      async () => (await db.run.findUniqueOrThrow({ where: { id } })).status === "waiting_for_input",
      10_000,
      "waiting_for_input",
    );
    await worker.control.send({ type: "cancel", runId: id, reason: "Cancelled by a user." });
    await processing;

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual(["cancelled", "Cancelled by a user.", null]);
    const events = await storedEvents(id);
    expect(events.map((event) => event.type)).toContain("user_input_request");
    expect(events.at(-1)).toMatchObject({ type: "run_finished", state: "cancelled" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(openai.requests).toHaveLength(1);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["waiting_for_input", null],
      ["cancelled", "Cancelled by a user."],
    ]);
  });

  /**
   * Two runs on one processor whose first model calls answer at the same moment (`releaseAt`), so
   * their events share one statement. Left to go on, the `failing` one would then wait 1.5 s for its
   * tool and 2 s for its second model call; the `healthy` one goes on at once.
   */
  async function twoRunsAnsweredTogether(failingWord: string, healthyWord: string) {
    const releaseAt = Date.now() + 1500;
    scriptClerk((word, first) =>
      first ? Math.max(0, releaseAt - Date.now()) : word === failingWord ? 2000 : 50,
    );
    tool.reply = (word) => ({ text: `definition of ${word}`, delayMs: word === failingWord ? 1500 : 0 });
    const worker = startProcessor({ batch: { intervalMs: 50 } });
    const runFor = (word: string) =>
      createRun(db, { teamId, spec: scriptedToolClerkSpec() as never, task: `Define the word ${word}.` });
    return { releaseAt, worker, failing: await runFor(failingWord), healthy: await runFor(healthyWord) };
  }

  it("stops the run whose row was deleted mid-run at once, with no further model call; another run sharing its event writes succeeds in full", async () => {
    const {
      releaseAt,
      worker,
      failing: doomed,
      healthy: sturdy,
    } = await twoRunsAnsweredTogether("doomed", "sturdy");

    let doomedDoneAt = 0;
    const processing = [
      worker.run(doomed.id).then(() => {
        doomedDoneAt = Date.now();
      }),
      worker.run(sturdy.id),
    ];
    await until(
      () => requestsFor("doomed").length === 1 && requestsFor("sturdy").length === 1,
      5000,
      "both model calls",
    );
    await until(() => worker.publisher.eventsOf(doomed.id).length > 0, 5000, "the doomed run's first events");
    const publishedBeforeDelete = worker.publisher.eventsOf(doomed.id).length;
    await db.run.delete({ where: { id: doomed.id } });
    expect(Date.now()).toBeLessThan(releaseAt - 200);

    await Promise.all(processing);

    // The deleted run was stopped as soon as its write failed: done well before its tool (1.5 s)
    // and second model call (2 s) would have answered, its tool call cut off, no second model call.
    console.log(
      `deleted run: processing resolved ${doomedDoneAt - releaseAt} ms after its first model answer`,
    );
    expect(doomedDoneAt - releaseAt).toBeLessThan(1000);
    expect(tool.requests.filter((request) => request.word === "doomed")).toEqual([
      { word: "doomed", answered: false },
    ]);
    expect(requestsFor("doomed")).toHaveLength(1);

    // The deleted run: nothing of it left, nothing more handed on, its failure logged.
    expect(await db.run.findUnique({ where: { id: doomed.id } })).toBeNull();
    expect(await db.runEvent.count({ where: { runId: doomed.id } })).toBe(0);
    expect(worker.publisher.eventsOf(doomed.id)).toHaveLength(publishedBeforeDelete);
    expect(worker.publisher.statusesOf(doomed.id)).toEqual([["running", null]]);
    const failure = worker.logs.find((line) => line.msg === "storing a run's events failed");
    expect(failure).toMatchObject({ runId: doomed.id });
    expect(failure?.err?.message).toMatch(/foreign key/i);

    // A statement carrying both runs failed; the sturdy run's part was then stored on its own, the
    // doomed run's part failed alone, and nothing of the doomed run was sent to the database after.
    const sharedIndex = worker.writes.findIndex((write) => !write.ok && write.runs.length === 2);
    expect(sharedIndex).toBeGreaterThanOrEqual(0);
    const shared = worker.writes[sharedIndex]!;
    expect([...shared.runs].sort()).toEqual([doomed.id, sturdy.id].sort());
    const partOf = (runId: string) => shared.keys.filter((key) => key.startsWith(`${runId}:`));
    expect(worker.writes).toContainEqual({ ok: true, runs: [sturdy.id], keys: partOf(sturdy.id) });
    expect(worker.writes.slice(sharedIndex + 1).filter((write) => write.runs.includes(doomed.id))).toEqual([
      { ok: false, runs: [doomed.id], keys: partOf(doomed.id) },
    ]);
    const doomedStored = worker.writes
      .filter((write) => write.ok)
      .flatMap((write) => write.keys)
      .filter((key) => key.startsWith(`${doomed.id}:`));
    expect(doomedStored).toEqual(
      Array.from({ length: publishedBeforeDelete }, (_, seq) => `${doomed.id}:${seq}`),
    );

    const run = await db.run.findUniqueOrThrow({ where: { id: sturdy.id } });
    expect([run.status, run.error, run.output]).toEqual(["succeeded", null, "definition of sturdy"]);
    expect([run.inputTokens, run.outputTokens]).toEqual([2000, 200]);
    const events = await storedEvents(sturdy.id);
    expect(events.map((event) => event.type)).toEqual(CLERK_EVENT_TYPES);
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.eventsOf(sturdy.id)).toEqual(events);
    expect(worker.publisher.statusesOf(sturdy.id)).toEqual([
      ["running", null],
      ["succeeded", null],
    ]);
    expect(worker.publisher.publishedBeforeStored).toEqual([]);

    // Still no second model call once the tool would have answered and the call gone out.
    await sleep(Math.max(0, releaseAt + 1700 - Date.now()));
    expect(requestsFor("doomed")).toHaveLength(1);
    expect(requestsFor("sturdy")).toHaveLength(2);
  });

  it("fails a run, still in the database, whose event writes the database refuses: stopped at once, named, and the runs beside and after it succeed", async () => {
    // A trigger refuses this run's events from its model's first answer on (seq 2); everything else
    // is stored as usual. Both first model calls answer together, so the refused events first go
    // out in a statement shared with the other run's.
    const {
      releaseAt,
      worker,
      failing: refused,
      healthy: beside,
    } = await twoRunsAnsweredTogether("refused", "beside");
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_run_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."runId" = '${refused.id}' AND NEW."seq" >= 2 THEN
          RAISE EXCEPTION 'event % of this run refused by a test trigger', NEW."seq";
        END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_run_events BEFORE INSERT ON "RunEvent" FOR EACH ROW EXECUTE FUNCTION refuse_run_events()`,
    );
    try {
      let refusedDoneAt = 0;
      await Promise.all([
        worker.run(refused.id).then(() => {
          refusedDoneAt = Date.now();
        }),
        worker.run(beside.id),
      ]);

      // Stopped as soon as its write failed: well before its tool (1.5 s) and second model call
      // (2 s) would have answered, its tool call cut off, no second model call.
      console.log(
        `refused run: processing resolved ${refusedDoneAt - releaseAt} ms after its first model answer`,
      );
      expect(refusedDoneAt - releaseAt).toBeLessThan(1000);
      expect(requestsFor("refused")).toHaveLength(1);
      expect(tool.requests.filter((request) => request.word === "refused")).toEqual([
        { word: "refused", answered: false },
      ]);

      const run = await db.run.findUniqueOrThrow({ where: { id: refused.id } });
      expect([run.status, run.output]).toEqual(["failed", null]);
      // The database's words are logged under a reference; the run, which browsers see, names only that.
      expect(run.error).toMatch(/^The run's events could not be stored \(reference [0-9a-f]{16}\)\.$/);
      const stored = worker.logs.find((line) => line.msg === "storing a run's events failed");
      expect(stored).toMatchObject({ runId: refused.id, reference: run.error!.slice(-18, -2) });
      expect(stored?.err?.message).toContain("event 2 of this run refused by a test trigger");
      expectRecent(run.finishedAt);
      // What was stored before the refusal stays, without a gap, and was handed on; nothing else was.
      const events = await storedEvents(refused.id);
      expect(events.map((event) => event.type)).toEqual(["run_started", "step_started"]);
      expect(run.lastSeq).toBe(1);
      expect(worker.publisher.eventsOf(refused.id)).toEqual(events);
      expect(worker.publisher.statusesOf(refused.id)).toEqual([
        ["running", null],
        ["failed", run.error],
      ]);
      const failure = worker.logs.find((line) => line.msg === "run failed outside the engine");
      expect(failure).toMatchObject({ runId: refused.id });
      expect(failure?.err?.message).toContain("refused by a test trigger");

      // The statement shared with the other run failed; each run's part was then tried alone.
      const shared = worker.writes.find((write) => !write.ok && write.runs.length === 2);
      expect([...shared!.runs].sort()).toEqual([refused.id, beside.id].sort());
      expect(
        worker.writes.filter(
          (write) => write.runs.includes(refused.id) && !write.ok && write.runs.length === 1,
        ),
      ).toHaveLength(1);

      // The other run, and a run started on the same processor afterwards, succeed in full.
      const after = await createRun(db, {
        teamId,
        spec: scriptedToolClerkSpec() as never,
        task: "Define the word after.",
      });
      await worker.run(after.id);
      for (const [word, id] of [
        ["beside", beside.id],
        ["after", after.id],
      ] as const) {
        const other = await db.run.findUniqueOrThrow({ where: { id } });
        expect([other.status, other.error, other.output]).toEqual([
          "succeeded",
          null,
          `definition of ${word}`,
        ]);
        const otherEvents = await storedEvents(id);
        expect(otherEvents.map((event) => event.type)).toEqual(CLERK_EVENT_TYPES);
        expect(other.lastSeq).toBe(otherEvents.length - 1);
        expect(worker.publisher.eventsOf(id)).toEqual(otherEvents);
        expect(worker.publisher.statusesOf(id)).toEqual([
          ["running", null],
          ["succeeded", null],
        ]);
        expect(requestsFor(word)).toHaveLength(2);
      }
      expect(worker.publisher.publishedBeforeStored).toEqual([]);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_run_events ON "RunEvent"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_run_events()`);
    }
  });

  it("stores a NUL character from a tool and from the model's answer as U+FFFD, and the run succeeds with every event handed on", async () => {
    // Postgres jsonb refuses NUL; a tool (or a web page) can return one, and a model can repeat it.
    tool.reply = (word) => ({ text: `definition of ${word}:\u0000zero` });
    openai.fallback = (request): ScriptedAnswer =>
      hasAnswered(request)
        ? { usage: USAGE, toolCalls: [{ name: "final_answer", arguments: { answer: "nul\u0000byte" } }] }
        : { usage: USAGE, toolCalls: [{ name: "lookup", arguments: { q: "nul" } }] };
    const worker = startProcessor();
    const { id } = await createRun(db, {
      teamId,
      spec: scriptedToolClerkSpec() as never,
      task: "Define the word nul.",
    });

    await worker.run(id);

    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual(["succeeded", null, "nul\ufffdbyte"]);
    expect([run.inputTokens, run.outputTokens]).toEqual([2000, 200]);
    // The model was given the tool's text with its NUL: only what is stored is changed.
    expect(JSON.stringify(openai.requests[1]!.body.messages)).toContain("definition of nul:\\u0000zero");

    const events = await storedEvents(id);
    expect(events.map((event) => event.type)).toEqual(CLERK_EVENT_TYPES);
    expect(run.lastSeq).toBe(events.length - 1);
    const observation = events.find((event) => event.type === "observation");
    expect(observation).toMatchObject({
      observation: expect.stringContaining("definition of nul:\ufffdzero"),
    });
    expect(events.at(-1)).toMatchObject({ type: "run_finished", state: "success", output: "nul\ufffdbyte" });
    expect(JSON.stringify(events)).not.toContain("\\u0000");

    // Every event was handed on live, as the engine made it (NUL included): the stored events with
    // NUL replaced.
    const published = worker.publisher.eventsOf(id);
    expect(published.find((event) => event.type === "observation")).toMatchObject({
      observation: expect.stringContaining("definition of nul:\u0000zero"),
    });
    expect(JSON.parse(jsonForPostgres(published))).toEqual(events);
    expect(worker.publisher.publishedBeforeStored).toEqual([]);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["succeeded", null],
    ]);
    expect(worker.writes.every((write) => write.ok)).toBe(true);
  });

  it("accepts a reply sent the moment the question is handed on, as the reply endpoint checks it, and resumes to success", async () => {
    openai.fallback = (request): ScriptedAnswer =>
      hasAnswered(request)
        ? {
            usage: USAGE,
            toolCalls: [
              {
                name: "final_answer",
                arguments: { answer: `Hello, ${/(Ada)/.exec(messagesOf(request))?.[1]}.` },
              },
            ],
          }
        : {
            usage: USAGE,
            toolCalls: [{ name: "user_input", arguments: { question: "What is your name?" } }],
          };
    const worker = startProcessor();
    const spec = userInputHostSpec();
    // A short time limit, so a reply refused as too early fails the test instead of hanging it.
    const { id } = await createRun(db, {
      teamId,
      spec: spec as never,
      task: "Greet me by name.",
      timeLimitSeconds: 10,
    });
    // A browser that answers as soon as the question arrives, through the endpoint's check (the
    // status read goes out to the database the moment the question is handed on).
    const endpointSaw: string[] = [];
    worker.publisher.onEvents = (runId, events) => {
      const asked = events.find((event) => event.type === "user_input_request");
      if (runId !== id || !asked) return;
      void (async () => {
        const status = (await statusNow(id)) ?? "gone";
        endpointSaw.push(status);
        if (status === "waiting_for_input")
          await worker.control.send({
            type: "user_input",
            runId: id,
            requestId: asked.requestId,
            text: "Ada",
          });
      })();
    };

    const started = Date.now();
    await worker.run(id);

    expect(endpointSaw).toEqual(["waiting_for_input"]);
    expect(Date.now() - started).toBeLessThan(5000);
    const run = await db.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.error, run.output]).toEqual(["succeeded", null, "Hello, Ada."]);
    const events = await storedEvents(id);
    expect(events.find((event) => event.type === "observation")).toMatchObject({ observation: "Ada" });
    expect(run.lastSeq).toBe(events.length - 1);
    expect(worker.publisher.eventsOf(id)).toEqual(events);
    expect(worker.publisher.statusesOf(id)).toEqual([
      ["running", null],
      ["waiting_for_input", null],
      ["running", null],
      ["succeeded", null],
    ]);
    expect(worker.logs).toEqual([]);
    expect(openai.requests).toHaveLength(2);
  });
});
