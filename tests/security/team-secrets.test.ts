import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportWorkflow } from "~/graph/export-workflow";
import { getTemplate } from "~/graph/templates";
import type { WorkflowDocument } from "~/graph/workflow-document";
import { type OpenAITestServer, startOpenAIServer } from "../helpers/openai-server";
import { apiPeople, rejection } from "../integration/api/api-people";
import { createTestDatabase } from "../integration/db/postgres-test-database";

/**
 * Team secrets against the real worker path: a run whose model names a team secret bound to the
 * scripted OpenAI-protocol server's host sends it there (and marks it used), while no stored event,
 * run field, log line or export holds its value, even when the model and the provider echo it. A
 * secret bound to another host is refused for this one, at validation and in the worker (models)
 * and by the guarded fetch (tools). Rotation re-encrypts every row; runs work under the new key.
 */

const run = promisify(execFile);
const server: OpenAITestServer = await startOpenAIServer();
const serverHost = new URL(server.url).host;
const oldKey = randomBytes(32).toString("hex");
const newKey = randomBytes(32).toString("base64");
const llmKey = `sk-team-${randomBytes(12).toString("hex")}`;
const boundKey = `bound-${randomBytes(12).toString("hex")}`;

const database = await createTestDatabase("teamsecrets");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  SECRETS_KEY: oldKey,
  OUTBOUND_ALLOW: serverHost,
  PYODIDE_POOL_SIZE: "0",
});
delete process.env.OPENAI_API_KEY;
delete process.env.OPENAI_BASE_URL;
delete process.env.SECRETS_KEY_PREVIOUS;
const { db, startDatabase } = await import("~/server/db");
const { createAgentDeps, withInstallationDefaults } = await import("~/server/runs/agent-deps");
const { createRunProcessor } = await import("~/server/runs/process-run");
const { NullPublisher } = await import("~/server/realtime/run-event-publisher");
const { InProcessRunControl } = await import("~/server/runs/run-control");
const { parseSecretsKey } = await import("~/server/secrets/crypto");
const { secretsKeyring } = await import("~/server/secrets/keys");
const { person } = await apiPeople();

type Person = Awaited<ReturnType<typeof person>>;
let admin: Person;
const logLines: string[] = [];
const logger = pino(
  { level: "trace" },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

beforeAll(async () => {
  await startDatabase();
  admin = await person("Ada", "ada@example.com");
  await admin.caller.secret.create({
    teamId: admin.teamId,
    name: "TEAM_LLM_KEY",
    value: llmKey,
    allowedHost: serverHost,
    description: "The team's model server",
  });
  await admin.caller.secret.create({
    teamId: admin.teamId,
    name: "BOUND_KEY",
    value: boundKey,
    allowedHost: "a.example.com",
  });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
  await server.close();
});

/** The HTTP-tool template: its model at the scripted server naming `apiKeySecret`, its tool at the server too. */
function documentWith(apiKeySecret: string, toolSecret?: string): WorkflowDocument {
  const document = getTemplate("tool-calling-http")!.document;
  const model = document.nodes.find((node) => node.type === "model")!;
  model.data = { provider: "openai", model: "gpt-4o-mini", baseUrl: server.url, apiKeySecret } as never;
  const tool = document.nodes.find((node) => node.type === "tool")!;
  tool.data = {
    ...tool.data,
    url: `${server.origin}/v1/forecast?latitude={latitude}&longitude={longitude}`,
    ...(toolSecret ? { secretHeaders: { Authorization: toolSecret } } : {}),
  } as never;
  return document;
}

async function startRun(document: WorkflowDocument, name: string) {
  const workflow = await admin.caller.workflow.create({ teamId: admin.teamId, name });
  await admin.caller.workflow.saveGraph({ workflowId: workflow.id, revision: 0, graph: document as never });
  const { runId } = await admin.caller.run.start({ workflowId: workflow.id, task: "Weather in Paris?" });
  return { workflowId: workflow.id, runId };
}

/** Process a queued run in this process's worker path, with this keyring. */
async function processRun(runId: string, keyring = secretsKeyring()) {
  const agentDeps = createAgentDeps(db, keyring);
  try {
    const processor = createRunProcessor({
      db,
      publisher: new NullPublisher(),
      control: new InProcessRunControl(),
      agentDeps: agentDeps.depsFor,
      prepareSpec: withInstallationDefaults,
      logger: logger as never,
    });
    await processor({ runId, attempt: 1 }, new AbortController().signal);
  } finally {
    await agentDeps.close();
  }
  return db.run.findUniqueOrThrow({ where: { id: runId } });
}

/** Everything stored about a run and its team's secrets, read raw. */
async function rawTables(): Promise<string> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const tables = ["TeamSecret", "Run", "RunEvent", "Workflow", "WorkflowVersion"];
    const rows: unknown[] = [];
    for (const table of tables) rows.push((await client.query(`SELECT * FROM "${table}"`)).rows);
    return JSON.stringify(rows);
  } finally {
    await client.end();
  }
}

describe("a run using a team secret", () => {
  it("sends the key to its host, marks it used, and leaves its value in no event, run, log or export", async () => {
    server.enqueue(
      { toolCalls: [{ name: "get_forecast", arguments: { latitude: 48.85, longitude: 2.35 } }] },
      (request) => ({
        content: `The server was called with ${String(request.headers.authorization)}`,
        toolCalls: [
          { name: "final_answer", arguments: { answer: `I used ${String(request.headers.authorization)}` } },
        ],
      }),
    );
    server.fallback = { content: "fallback" };
    const { runId, workflowId } = await startRun(documentWith("TEAM_LLM_KEY"), "Uses a team key");
    const finished = await processRun(runId);
    expect(finished.status).toBe("succeeded");

    const modelCalls = server.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(modelCalls.length).toBeGreaterThanOrEqual(2);
    for (const call of modelCalls) expect(call.headers.authorization).toBe(`Bearer ${llmKey}`);
    // The tool names no secret: its request carries none.
    const toolCall = server.requests.find((request) => request.path === "/v1/forecast")!;
    expect(toolCall.headers.authorization).toBeUndefined();

    expect(finished.output).toBe("I used Bearer [secret TEAM_LLM_KEY]");
    const events = await admin.caller.run.events({ runId });
    expect(JSON.stringify(events)).toContain("[secret TEAM_LLM_KEY]");
    // The model's text streams in 8-character deltas: put together, as the dashboard does, they
    // name the secret instead of spelling it.
    const streamed = (
      await db.runEvent.findMany({ where: { runId, type: "model_delta" }, orderBy: { seq: "asc" } })
    )
      .map((row) => (row.data as { text: string }).text)
      .join("");
    expect(streamed).toContain("The server was called with Bearer [secret TEAM_LLM_KEY]");
    expect(streamed).not.toContain(llmKey);
    const workflow = await admin.caller.workflow.get({ workflowId });
    const exported = exportWorkflow(workflow.graph as WorkflowDocument, { name: workflow.name });
    const seen = [
      await rawTables(),
      JSON.stringify(events),
      JSON.stringify(await admin.caller.run.get({ runId })),
      JSON.stringify(exported),
      JSON.stringify(await admin.caller.secret.list({ teamId: admin.teamId })),
      logLines.join(""),
    ];
    for (const text of seen) expect(text).not.toContain(llmKey);

    const secret = await db.teamSecret.findUniqueOrThrow({
      where: { teamId_name: { teamId: admin.teamId, name: "TEAM_LLM_KEY" } },
    });
    expect(secret.lastUsedAt).not.toBeNull();
    server.reset();
  });

  it("scrubs the value from a provider error that quotes it, in the run's error and the logs", async () => {
    server.enqueue({
      status: 400,
      body: { error: { message: `Invalid key: ${llmKey}`, type: "invalid_request_error" } },
    });
    const { runId } = await startRun(documentWith("TEAM_LLM_KEY"), "Provider echoes");
    const finished = await processRun(runId);
    expect(finished.status).toBe("failed");
    expect(finished.error).toContain("[secret TEAM_LLM_KEY]");
    expect(await rawTables()).not.toContain(llmKey);
    expect(logLines.join("")).not.toContain(llmKey);
    server.reset();
  });
});

describe("a secret bound to host A", () => {
  it("is refused for a model at host B at run start, with the reason", async () => {
    const refused = await rejection(startRun(documentWith("BOUND_KEY"), "Bound elsewhere"));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toBe(
      `This workflow cannot run yet: The secret BOUND_KEY may only be sent to a.example.com, not to ${serverHost}.`,
    );
  });

  it("is refused by the worker for a model at host B, even when the stored spec skipped validation", async () => {
    const { runId } = await startRun(documentWith("TEAM_LLM_KEY"), "Swapped later");
    const stored = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const spec = structuredClone(stored.spec) as { model: { apiKeySecret: string } };
    spec.model.apiKeySecret = "BOUND_KEY";
    await db.run.update({ where: { id: runId }, data: { spec } });
    const finished = await processRun(runId);
    expect(finished.status).toBe("failed");
    expect(finished.error).toBe(
      `The secret BOUND_KEY may only be sent to a.example.com, not to ${serverHost}`,
    );
    expect(JSON.stringify(server.requests)).not.toContain(boundKey);
    server.reset();
  });

  it("is refused for an HTTP tool at host B at run start, with the reason", async () => {
    const refused = await rejection(
      startRun(documentWith("TEAM_LLM_KEY", "BOUND_KEY"), "Tool bound elsewhere"),
    );
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toBe(
      `This workflow cannot run yet: The secret BOUND_KEY may only be sent to a.example.com, not to ${serverHost}.`,
    );
  });

  it("is refused by the guarded fetch for an HTTP tool at host B when the stored spec skipped validation: the model sees the refusal", async () => {
    server.enqueue(
      { toolCalls: [{ name: "get_forecast", arguments: { latitude: 1, longitude: 2 } }] },
      { toolCalls: [{ name: "final_answer", arguments: { answer: "no weather" } }] },
    );
    const { runId } = await startRun(documentWith("TEAM_LLM_KEY"), "Tool swapped later");
    const stored = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const spec = structuredClone(stored.spec) as {
      tools: { kind: string; secretHeaders?: Record<string, string> }[];
    };
    const tool = spec.tools.find((candidate) => candidate.kind === "http")!;
    tool.secretHeaders = { Authorization: "BOUND_KEY" };
    await db.run.update({ where: { id: runId }, data: { spec } });
    const finished = await processRun(runId);
    expect(finished.status).toBe("succeeded");
    expect(server.requests.some((request) => request.path === "/v1/forecast")).toBe(false);
    expect(JSON.stringify(server.requests)).not.toContain(boundKey);
    const events = await admin.caller.run.events({ runId });
    expect(JSON.stringify(events)).toContain("Refused: the secret BOUND_KEY is only sent to");
    server.reset();
  });
});

describe("npm run secrets:rotate", () => {
  it("re-encrypts every row under the new key, and runs work under it", async () => {
    const oldId = parseSecretsKey(oldKey).id;
    const newId = parseSecretsKey(newKey).id;
    const before = await db.teamSecret.findMany({ orderBy: { name: "asc" } });
    expect(before.map((row) => row.keyId)).toEqual([oldId, oldId]);

    const { stdout } = await run("npx", ["tsx", "src/cli/secrets-rotate.ts"], {
      env: { ...process.env, SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldKey, LOG_LEVEL: "silent" },
    });
    expect(stdout).toContain(`re-encrypted 2 secrets under key ${newId}; 0 already used it`);
    const after = await db.teamSecret.findMany({ orderBy: { name: "asc" } });
    expect(after.map((row) => row.keyId)).toEqual([newId, newId]);
    for (const [i, row] of after.entries()) expect(row.encryptedValue).not.toBe(before[i]!.encryptedValue);
    expect(await rawTables()).not.toContain(llmKey);

    // The old key alone no longer opens them: a clear failure, no request sent.
    const { runId: stale } = await startRun(documentWith("TEAM_LLM_KEY"), "Old key");
    const failed = await processRun(stale, { current: parseSecretsKey(oldKey) });
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain(`was encrypted with a key this server does not have (key id ${newId})`);
    expect(server.requests).toEqual([]);

    server.enqueue({ toolCalls: [{ name: "final_answer", arguments: { answer: "rotated" } }] });
    const { runId } = await startRun(documentWith("TEAM_LLM_KEY"), "New key");
    const finished = await processRun(runId, { current: parseSecretsKey(newKey) });
    expect(finished.status).toBe("succeeded");
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${llmKey}`);
    server.reset();
  });
});
