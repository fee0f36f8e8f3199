import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTemplate } from "~/graph";
import { apiPeople } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * A NUL character pasted into any text (workflow name, description, prompt, run task, version and
 * library messages, model ids) is stored as U+FFFD against real Postgres, which refuses NUL in text
 * and `\u0000` in jsonb (22021 / 22P05): the save succeeds, and so does the next one.
 */
const database = await createTestDatabase("nul_text");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", ALLOW_LOCAL_EXECUTOR: "" });
const { db, startDatabase } = await import("~/server/db");
const { signUp } = await import("~/server/auth/sign-up");
const { person } = await apiPeople();

let alice: Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  await startDatabase();
  alice = await person("Alice", "alice@example.com");
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const nul = "\u0000";

describe("NUL characters in user text", () => {
  it("stores a workflow name with NUL as U+FFFD, on create and rename", async () => {
    const created = await alice.caller.workflow.create({ teamId: alice.teamId, name: `Crew${nul}one` });
    expect(created.name).toBe("Crew\uFFFDone");
    await alice.caller.workflow.rename({ workflowId: created.id, name: `${nul}Renamed` });
    expect((await db.workflow.findUniqueOrThrow({ where: { id: created.id } })).name).toBe("\uFFFDRenamed");
  });

  it("autosaves a graph with NUL in a description and a prompt, and keeps autosaving afterwards", async () => {
    const { id } = await alice.caller.workflow.create({ teamId: alice.teamId, name: "Pasted" });
    const document = structuredClone(getTemplate("manager-researcher-analyst")!.document);
    const agent = document.nodes.find((node) => node.type === "agent")!;
    const data = agent.data as { description: string; instructions: string };
    data.description = `From a PDF${nul}copy`;
    data.instructions = `Be brief.${nul}${nul}`;
    const saved = await alice.caller.workflow.saveGraph({ workflowId: id, revision: 0, graph: document });
    expect(saved.revision).toBe(1);
    const loaded = await alice.caller.workflow.load({ workflowId: id });
    const stored = loaded.graph.nodes.find((node) => node.id === agent.id)!;
    expect(stored.data).toMatchObject({
      description: "From a PDF\uFFFDcopy",
      instructions: "Be brief.\uFFFD\uFFFD",
    });
    const again = await alice.caller.workflow.saveGraph({ workflowId: id, revision: 1, graph: loaded.graph });
    expect(again.revision).toBe(2);
    const version = await alice.caller.workflow.saveVersion({
      workflowId: id,
      revision: 2,
      message: `v${nul}1`,
    });
    expect(version.message).toBe("v\uFFFD1");
  });

  it("starts a run whose task has a NUL", async () => {
    const demo = await db.workflow.findFirstOrThrow({
      where: { teamId: alice.teamId, name: { not: "Pasted" } },
    });
    const { runId } = await alice.caller.run.start({
      workflowId: demo.id,
      task: `Compare${nul} the cities.`,
    });
    expect((await db.run.findUniqueOrThrow({ where: { id: runId } })).task).toBe("Compare\uFFFD the cities.");
  });

  it("shares a library tool and prices a model with NULs in their texts", async () => {
    const shared = await alice.caller.library.share({
      teamId: alice.teamId,
      tool: {
        kind: "python",
        name: "shout",
        description: `Upper${nul}cases`,
        source: `def shout(text: str) -> str:\n    """Shout.\n\n    Args:\n        text: words\n    """\n    return text.upper() + "${nul}"\n`,
      },
      message: `first${nul}`,
    });
    const row = await db.libraryItemVersion.findFirstOrThrow({ where: { itemId: shared.itemId } });
    expect(row.message).toBe("first\uFFFD");
    expect(JSON.stringify(row.tool)).toContain("Upper\uFFFDcases");
    const price = await alice.caller.pricing.set({
      teamId: alice.teamId,
      model: `my${nul}model`,
      inputUsdPerMillion: 1,
      outputUsdPerMillion: 2,
    });
    expect(price.model).toBe("my\uFFFDmodel");
  });

  it("signs up a person whose name has a NUL", async () => {
    const result = await signUp({
      name: `Bo${nul}b`,
      email: "bob@example.com",
      password: "a long enough password",
    });
    expect(result.ok).toBe(true);
    expect((await db.user.findUniqueOrThrow({ where: { email: "bob@example.com" } })).name).toBe("Bo\uFFFDb");
  });

  it("refuses a sign-in whose e-mail has a NUL as a wrong e-mail, without a database error", async () => {
    const { authorizeCredentials } = await import("~/server/auth/config");
    const password = "a long enough password";
    expect(await authorizeCredentials({ email: `alice${nul}@example.com`, password })).toBeNull();
    expect(await authorizeCredentials({ email: "alice@example.com", password })).toMatchObject({
      email: "alice@example.com",
    });
  });
});
