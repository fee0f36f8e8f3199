import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentSpecInput } from "~/graph/agent-spec";
import type { Logger } from "~/server/logger";
import {
  type OpenAITestServer,
  type RecordedRequest,
  type ScriptedAnswer,
  startOpenAIServer,
} from "../../helpers/openai-server";
import { createTestDatabase } from "../api/test-database";

/**
 * Conversations in the worker, for real: the run processor over a throwaway Postgres database, the
 * engine calling a scripted OpenAI-compatible server through the official client. The scripted model
 * answers only from what it is sent, so a second turn can only know the first turn's words if the
 * worker restored the first run's stored memory. Images, audio and extra values of `Run.input` reach
 * the model; a previous run of another team is refused; the stored memory has secrets scrubbed.
 */
const database = await createTestDatabase("run_memory");
Object.assign(process.env, { DATABASE_URL: database.url, LOG_LEVEL: "warn" });
process.env.AUTH_SECRET ??= "run-memory-test-secret-0123456789abcdef";

const { db, startDatabase } = await import("~/server/db");
const { createRun } = await import("~/server/runs/run-store");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { memoryToStore } = await import("~/server/runs/run-memory");
const { SecretRedactor } = await import("~/server/secrets/redactor");
const { memorySnapshotSchema } = await import("~/agents/memory-snapshot");

/** The server's model key: a model that repeats it must not leave it in the stored memory. */
const KEY = "sk-run-memory-0123456789";

let openai: OpenAITestServer;
let teamId: string;
let otherTeamId: string;
const logs: { msg?: string; bytes?: number; previousRunId?: string }[] = [];

beforeAll(async () => {
  await startDatabase();
  openai = await startOpenAIServer();
  teamId = (await db.team.create({ data: { name: "Talkers", slug: "talkers" } })).id;
  otherTeamId = (await db.team.create({ data: { name: "Others", slug: "others" } })).id;
});

afterAll(async () => {
  await openai?.close();
  await db.$disconnect();
  await database.drop();
});

beforeEach(() => {
  openai.reset();
  openai.fallback = undefined;
  logs.length = 0;
});

const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
const processRun = createRunProcessor({
  db,
  publisher: new NullPublisher(),
  control: new InProcessRunControl(),
  agentDeps: () => ({
    resolveSecret: async (name) =>
      name === "OPENAI_API_KEY"
        ? { value: KEY, allowedOrigins: [new URL(openai.url).origin], modelsOnly: true }
        : undefined,
    outbound: { trustedOrigins: [openai.url], allow: [] },
    createExecutor: async () => {
      throw new Error("these runs need no sandbox");
    },
  }),
  logger: logger as unknown as Logger,
});

function spec(): AgentSpecInput {
  return {
    type: "toolCalling",
    name: "host",
    model: { provider: "openai", model: "gpt-4o-mini", baseUrl: openai.url },
    tools: [],
    maxSteps: 3,
  };
}

type Message = {
  role: string;
  content: string | { type: string; text?: string; image_url?: { url: string } }[];
};
const messagesOf = (request: RecordedRequest) => request.body.messages as Message[];
const textOf = (message: Message) =>
  typeof message.content === "string"
    ? message.content
    : message.content.map((part) => part.text ?? "").join("");
const answer = (text: string): ScriptedAnswer => ({
  toolCalls: [{ name: "final_answer", arguments: { answer: text } }],
});

/** A model that learns names from what it is sent and answers the question of the last task. */
function scriptNameModel() {
  openai.fallback = (request) => {
    const messages = messagesOf(request);
    const users = messages.filter((m) => m.role === "user").map(textOf);
    const last = users.at(-1) ?? "";
    if (/What is my name\?/.test(last)) {
      const earlier = users.slice(0, -1).join("\n");
      const name = /My name is (\w+)/.exec(earlier)?.[1];
      // The earlier answer must be in the prompt too, as the assistant's turn.
      const answered = messages.some((m) => m.role === "assistant" && textOf(m).includes("Nice to meet you"));
      return answer(name && answered ? `Your name is ${name}.` : "I do not know your name.");
    }
    const name = /My name is (\w+)/.exec(last)?.[1] ?? "stranger";
    return answer(`Nice to meet you, ${name}.`);
  };
}

async function runToEnd(input: Parameters<typeof createRun>[1]) {
  const { id } = await createRun(db, input);
  await processRun({ runId: id, attempt: 1 }, new AbortController().signal);
  return db.run.findUniqueOrThrow({ where: { id } });
}

describe("conversations in the worker", () => {
  it("continues the previous turn's memory: turn 2 sees turn 1's task and answer", async () => {
    scriptNameModel();
    const first = await runToEnd({ teamId, spec: spec() as never, task: "Hello! My name is Ada." });
    expect(first).toMatchObject({ status: "succeeded", output: "Nice to meet you, Ada." });
    const memory = memorySnapshotSchema.parse(first.memory);
    expect(memory.agent).toBe("host");
    expect(memory.steps.map((step) => step.type)).toEqual(["task", "action", "final_answer"]);

    const second = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "What is my name?",
      previousRunId: first.id,
    });
    expect(second).toMatchObject({ status: "succeeded", output: "Your name is Ada." });
    const prompt = messagesOf(openai.requests.at(-1)!);
    expect(prompt.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(textOf(prompt[1]!)).toBe("New task:\nHello! My name is Ada.");
    // The first turn's final_answer observation and the new task (consecutive user messages merge).
    expect(textOf(prompt[3]!)).toMatch(
      /^Observation:\nNice to meet you, Ada\.[\s\S]*New task:\nWhat is my name\?$/,
    );
    // Turn 2's memory holds both turns: a third turn continues from all of it.
    const both = memorySnapshotSchema.parse(second.memory);
    expect(both.steps.filter((step) => step.type === "task")).toHaveLength(2);

    // A fresh run without previousRunId knows nothing.
    const fresh = await runToEnd({ teamId, spec: spec() as never, task: "What is my name?" });
    expect(fresh.output).toBe("I do not know your name.");
  });

  it("seeds the memory from a conversation the caller sent", async () => {
    scriptNameModel();
    const run = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "What is my name?",
      input: {
        conversation: [
          { role: "user", content: "My name is Grace." },
          { role: "assistant", content: "Nice to meet you, Grace." },
        ],
      },
    });
    expect(run).toMatchObject({ status: "succeeded", output: "Your name is Grace." });
    const prompt = messagesOf(openai.requests[0]!);
    expect(prompt.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(textOf(prompt[2]!)).toBe("Nice to meet you, Grace.");
  });

  it("sends the run's images as image parts, and its audio and extra values as named values", async () => {
    const image = "data:image/png;base64,iVBORw0KGgo=";
    const audio = "data:audio/wav;base64,UklGRg==";
    openai.fallback = (request) => {
      const task = messagesOf(request)[1]!;
      const parts = Array.isArray(task.content) ? task.content : [];
      const images = parts.filter((part) => part.type === "image_url").map((part) => part.image_url?.url);
      const text = textOf(task);
      return answer(
        JSON.stringify({
          images,
          sawAudio: text.includes(audio),
          sawCity: text.includes('"city":"Lyon"'),
        }),
      );
    };
    const run = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "Describe the picture.",
      input: { images: [image], audio: [audio], additionalArgs: { city: "Lyon" } },
    });
    expect(run.status).toBe("succeeded");
    expect(JSON.parse(run.output as string)).toEqual({ images: [image], sawAudio: true, sawCity: true });
    // A continued turn keeps the first turn's image in its memory.
    openai.fallback = (request) => {
      const task = messagesOf(request)[1]!;
      const parts = Array.isArray(task.content) ? task.content : [];
      return answer(`${parts.filter((part) => part.type === "image_url").length} image(s) earlier`);
    };
    const next = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "And the colours?",
      previousRunId: run.id,
    });
    expect(next.output).toBe("1 image(s) earlier");
  });

  it("refuses to continue a run of another team", async () => {
    scriptNameModel();
    const theirs = await runToEnd({ teamId: otherTeamId, spec: spec() as never, task: "My name is Eve." });
    expect(theirs.status).toBe("succeeded");
    openai.reset();
    const run = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "What is my name?",
      previousRunId: theirs.id,
    });
    expect(run).toMatchObject({
      status: "failed",
      error: "The previous turn of this conversation was not found.",
      memory: null,
    });
    expect(openai.requests).toHaveLength(0);
  });

  it("continues from the task and answer of a previous turn that has no stored memory", async () => {
    scriptNameModel();
    const first = await runToEnd({ teamId, spec: spec() as never, task: "My name is Alan." });
    await db.$executeRaw`UPDATE "Run" SET "memory" = NULL WHERE "id" = ${first.id}`;
    const second = await runToEnd({
      teamId,
      spec: spec() as never,
      task: "What is my name?",
      previousRunId: first.id,
    });
    expect(second.output).toBe("Your name is Alan.");
    expect(
      logs.some((line) => line.previousRunId === first.id && /no usable memory/.test(line.msg ?? "")),
    ).toBe(true);
  });

  it("scrubs secrets from the stored memory", async () => {
    openai.fallback = () => answer(`The key is ${KEY}.`);
    const run = await runToEnd({ teamId, spec: spec() as never, task: "Tell me your key." });
    expect(run.output).toBe("The key is [secret OPENAI_API_KEY].");
    const stored = JSON.stringify(run.memory);
    expect(stored).toContain("[secret OPENAI_API_KEY]");
    expect(stored).not.toContain(KEY);
  });

  it("keeps no memory over the size limit, and says so in the log", () => {
    const redactor = new SecretRedactor();
    const log = logger.child({ runId: "r1" }) as unknown as Logger;
    const snapshot = {
      version: 1 as const,
      agent: "host",
      steps: [{ type: "task" as const, task: "x".repeat(5000) }],
    };
    expect(memoryToStore(snapshot, redactor, log, 10_000)).toEqual(snapshot);
    expect(memoryToStore(snapshot, redactor, log, 1000)).toBeNull();
    const line = logs.find((entry) => /too large to keep/.test(entry.msg ?? ""));
    expect(line?.bytes).toBeGreaterThan(5000);
  });
});
