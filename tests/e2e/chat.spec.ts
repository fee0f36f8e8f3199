import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import pg from "pg";
import { newAccount } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";
import { trpc } from "./helpers/trpc";

/**
 * The chat, end to end on the embedded server: an endpoint's share link (turned on directly in the
 * database; the endpoint pages are built elsewhere) serves a public chat page that streams the agent's
 * answer and its steps, keeps the conversation's memory from one message to the next, and is served
 * with `frame-ancestors *` so other sites may embed it; the workflow editor's Playground talks to the
 * working copy the same way.
 * The workflow is one ToolCallingAgent on a recorded (replay) model, so the answers are fixed: that a
 * turn continued the previous one's memory is read from the stored runs.
 */

test.setTimeout(120_000);

/**
 * Sign up through the form (as the accounts helper does), waiting longer for the first account of a
 * freshly started server, whose first sign-up compiles and seeds while the machine may be busy.
 */
async function signUp(page: Page, account: ReturnType<typeof newAccount>): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(account.name);
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/workflows$/, { timeout: 60_000 });
}

/** One ToolCallingAgent whose recorded model answers `answer` through final_answer. */
function helperWorkflow(answer: string) {
  return {
    version: 1,
    nodes: [
      {
        id: "agent",
        type: "agent",
        position: { x: 200, y: 0 },
        data: { agentType: "toolCalling", name: "helper", description: "Answers questions.", maxSteps: 3 },
      },
      {
        id: "model",
        type: "model",
        position: { x: 0, y: 200 },
        data: {
          provider: "replay",
          model: "gpt-4o-mini",
          latencyMs: 300,
          transcript: [
            { content: "I know this one.", tool_calls: [{ name: "final_answer", arguments: { answer } }] },
          ],
        },
      },
    ],
    edges: [
      {
        id: "agent-uses-model-model",
        type: "uses-model",
        source: "agent",
        target: "model",
        sourceHandle: "model",
        targetHandle: "in",
      },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
  };
}

/** The embedded server's database (PGlite on a Unix socket in the e2e data folder). */
async function database(): Promise<pg.Client> {
  const dir = path.resolve(process.env.E2E_DATA_DIR!, "pglite");
  const client = new pg.Client({
    connectionString: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`,
  });
  await client.connect();
  return client;
}

async function workflowWith(
  page: Page,
  name: string,
  answer: string,
): Promise<{ teamId: string; workflowId: string; revision: number }> {
  const team = await trpc<{ id: string }>(page, "team.current", undefined, "GET");
  const workflow = await trpc<{ id: string }>(page, "workflow.create", { teamId: team.id, name });
  const saved = await trpc<{ revision: number }>(page, "workflow.saveGraph", {
    workflowId: workflow.id,
    revision: 0,
    graph: helperWorkflow(answer),
  });
  return { teamId: team.id, workflowId: workflow.id, revision: saved.revision };
}

/** The memory stored for a run: the tasks of its conversation so far. */
async function rememberedTasks(db: pg.Client, runId: string): Promise<string[]> {
  const { rows } = await db.query<{ memory: { steps: { type: string; task?: string }[] } | null }>(
    `SELECT "memory" FROM "Run" WHERE "id" = $1`,
    [runId],
  );
  return (rows[0]?.memory?.steps ?? []).filter((step) => step.type === "task").map((step) => step.task!);
}

test("a share link's public chat streams answers with their steps, remembers the conversation and may be framed", async ({
  page,
  browser,
}) => {
  await signUp(page, newAccount("Share Owner"));
  const { teamId, workflowId, revision } = await workflowWith(page, "Helpful agent", "The answer is **42**.");
  const version = await trpc<{ id: string }>(page, "workflow.saveVersion", {
    workflowId,
    revision,
    message: "v1",
  });
  const token = `e2e${Date.now().toString(36)}shareToken`;
  const db = await database();
  try {
    await db.query(
      `INSERT INTO "Endpoint" ("id", "teamId", "slug", "description", "workflowId", "workflowVersionId",
         "servingSince", "shareEnabled", "shareToken", "updatedAt")
       VALUES ($1, $2, 'helper', 'Answers questions about everything.', $3, $4, now(), true, $5, now())`,
      [`ep${Date.now().toString(36)}`, teamId, workflowId, version.id, token],
    );

    // A stranger: no session.
    const context = await browser.newContext();
    const visitor = await context.newPage();
    // Every other page refuses to be framed (clickjacking).
    for (const path of ["/", "/sign-in", "/workflows", "/api/v1/openapi.json"]) {
      const other = await visitor.request.get(path, { maxRedirects: 0 });
      expect(other.headers()["x-frame-options"], path).toBe("DENY");
      expect(other.headers()["content-security-policy"], path).toBe("frame-ancestors 'none'");
    }
    const response = await visitor.goto(`/share/${token}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toBe("frame-ancestors *");
    expect(response?.headers()["x-frame-options"]).toBeUndefined();
    await expect(visitor.getByTestId("share-title")).toHaveText("helper");
    await expect(visitor.getByText("Answers questions about everything.")).toBeVisible();

    const chat = visitor.getByTestId("chat");
    await chat.getByTestId("chat-input").fill("What is the answer to everything?");
    await chat.getByTestId("chat-send").click();
    const first = chat.getByTestId("chat-turn").nth(0);
    await expect(first.getByTestId("chat-working")).toBeVisible();
    await expect(first.getByTestId("chat-answer")).toHaveText("The answer is 42.", { timeout: 30_000 });
    await expect(first).toHaveAttribute("data-state", "succeeded");
    await expect(first.locator("strong")).toHaveText("42");
    await first.getByTestId("chat-steps").locator("summary").click();
    await expect(first.getByTestId("chat-step")).toHaveCount(1);
    await expect(first.getByTestId("chat-step")).toContainText("Step 1");
    await expect(first.getByTestId("chat-step")).toContainText("final_answer");
    await expect(first.getByTestId("chat-step")).toContainText("I know this one.");
    // The public page offers no way into the team's app.
    await expect(chat.getByTestId("chat-run-link")).toHaveCount(0);

    await chat.getByTestId("chat-input").fill("Are you sure?");
    await chat.getByTestId("chat-input").press("Enter");
    const second = chat.getByTestId("chat-turn").nth(1);
    await expect(second.getByTestId("chat-answer")).toHaveText("The answer is 42.", { timeout: 30_000 });
    await visitor.screenshot({ path: `${screenshots}/chat-share.png` });

    const { rows: runs } = await db.query<{ id: string; source: string; previousRunId: string | null }>(
      `SELECT "id", "source", "previousRunId" FROM "Run" WHERE "endpointId" IS NOT NULL AND "teamId" = $1
       ORDER BY "createdAt" ASC`,
      [teamId],
    );
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.source)).toEqual(["share", "share"]);
    expect(runs[1]!.previousRunId).toBe(runs[0]!.id);
    expect(await rememberedTasks(db, runs[1]!.id)).toEqual([
      "What is the answer to everything?",
      "Are you sure?",
    ]);

    // Turned off: the link is a 404 page.
    await db.query(`UPDATE "Endpoint" SET "shareEnabled" = false WHERE "shareToken" = $1`, [token]);
    const off = await visitor.goto(`/share/${token}`);
    expect(off?.status()).toBe(404);
    await context.close();
  } finally {
    await db.end();
  }
});

test("the workflow editor's playground chats with the working copy, each turn continuing the last", async ({
  page,
}) => {
  await signUp(page, newAccount("Playground User"));
  const { workflowId } = await workflowWith(page, "Playground agent", "Paris is the capital of France.");
  await page.goto(`/workflows/${workflowId}`);
  await expect(page.locator(".react-flow__node")).toHaveCount(2);
  await page.getByTestId("playground-toggle").click();
  const panel = page.getByTestId("playground");
  await expect(panel.getByTestId("chat-empty")).toBeVisible();

  await panel.getByTestId("chat-input").fill("What is the capital of France?");
  await panel.getByTestId("chat-send").click();
  const first = panel.getByTestId("chat-turn").nth(0);
  await expect(first.getByTestId("chat-answer")).toHaveText("Paris is the capital of France.", {
    timeout: 30_000,
  });
  await expect(first).toHaveAttribute("data-state", "succeeded");

  await panel.getByTestId("chat-input").fill("And what did I just ask you?");
  await panel.getByTestId("chat-send").click();
  const second = panel.getByTestId("chat-turn").nth(1);
  await expect(second.getByTestId("chat-answer")).toHaveText("Paris is the capital of France.", {
    timeout: 30_000,
  });
  await second.getByTestId("chat-steps").locator("summary").click();
  await expect(second.getByTestId("chat-step")).toContainText("final_answer");
  const href = await second.getByTestId("chat-run-link").getAttribute("href");
  expect(href).toMatch(/^\/runs\/[a-z0-9]+$/);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/chat-playground.png` });

  const db = await database();
  try {
    const secondId = href!.split("/").at(-1)!;
    const { rows } = await db.query<{
      source: string;
      previousRunId: string | null;
      workflowVersionId: string | null;
    }>(`SELECT "source", "previousRunId", "workflowVersionId" FROM "Run" WHERE "id" = $1`, [secondId]);
    expect(rows[0]).toMatchObject({ source: "playground", workflowVersionId: null });
    expect(rows[0]!.previousRunId).toBeTruthy();
    expect(await rememberedTasks(db, secondId)).toEqual([
      "What is the capital of France?",
      "And what did I just ask you?",
    ]);
  } finally {
    await db.end();
  }

  // The full run opens on the run page.
  await page.goto(href!);
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded");
});
