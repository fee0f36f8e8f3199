import { TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTemplate } from "~/graph";
import { createTestDatabase } from "./test-database";

/**
 * The secrets a workflow can name are the team's own and provider keys in the server's environment.
 * run.start checks them (the canvas's check is a convenience): a workflow naming a key neither has
 * is refused with the key's name, and nothing is queued; once the team adds it, the run starts.
 */
const database = await createTestDatabase("secrets");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  HF_TOKEN: "hf-secret-value",
  SECRETS_KEY: "ab".repeat(32),
});
delete process.env.OPENAI_API_KEY;
const { db, startDatabase } = await import("~/server/db");
const { createCaller } = await import("~/server/api/root");
const { signUp } = await import("~/server/auth/sign-up");

let caller: ReturnType<typeof createCaller>;
let teamId: string;

beforeAll(async () => {
  await startDatabase();
  const result = await signUp({ name: "Sam", email: "sam@example.com", password: "a long enough password" });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  teamId = result.teamId;
  const session: Session = {
    user: { id: result.userId, name: "Sam", email: "sam@example.com" },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
  };
  caller = createCaller({ db, session, headers: new Headers() });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

async function workflowWith(graph: unknown) {
  const workflow = await caller.workflow.create({ teamId, name: "Secret check" });
  await caller.workflow.saveGraph({ workflowId: workflow.id, revision: 0, graph: graph as never });
  return workflow.id;
}

describe("secrets a run needs", () => {
  it("lists the names of the secrets that are set, never their values", async () => {
    const providers = await caller.run.providers();
    expect(providers.secretNames).toEqual(["HF_TOKEN"]);
    expect(JSON.stringify(providers)).not.toContain("hf-secret-value");
  });

  it("refuses to start a workflow whose model names a key the server does not have, and queues nothing", async () => {
    const workflowId = await workflowWith(getTemplate("code-agent-web-search")!.document);
    const error = await caller.run.start({ workflowId, task: "Find something." }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
    expect((error as TRPCError).message).toBe(
      "This workflow cannot run yet: The secret OPENAI_API_KEY is not set on this server: add it under Settings → Credentials.",
    );
    expect(await db.run.count({ where: { workflowId } })).toBe(0);
  });

  it("starts it once the model names a key that is set", async () => {
    const document = structuredClone(getTemplate("code-agent-web-search")!.document);
    const model = document.nodes.find((node) => node.type === "model")!;
    model.data = {
      provider: "hf",
      model: "Qwen/Qwen2.5-Coder-32B-Instruct",
      apiKeySecret: "HF_TOKEN",
    } as never;
    const workflowId = await workflowWith(document);
    const started = await caller.run.start({ workflowId, task: "Find something." });
    const run = await db.run.findUniqueOrThrow({ where: { id: started.runId } });
    expect(run.status).toBe("queued");
    // The spec names the secret; its value never enters the database.
    expect(JSON.stringify(run.spec)).toContain("HF_TOKEN");
    expect(JSON.stringify(run.spec)).not.toContain("hf-secret-value");
  });

  it("starts the refused workflow once the team adds the secret as a team secret", async () => {
    const workflowId = await workflowWith(getTemplate("code-agent-web-search")!.document);
    await caller.secret.create({ teamId, name: "OPENAI_API_KEY", value: "sk-team-own-key" });
    const started = await caller.run.start({ workflowId, task: "Find something." });
    const run = await db.run.findUniqueOrThrow({ where: { id: started.runId } });
    expect(run.status).toBe("queued");
    expect(JSON.stringify(run.spec)).not.toContain("sk-team-own-key");
  });
});
