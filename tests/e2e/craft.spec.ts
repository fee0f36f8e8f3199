import { expect, type Page, test } from "@playwright/test";
import { exportWorkflow, getTemplate } from "../../src/graph";
import { newAccount, signUp } from "./helpers/accounts";
import { newWorkflowFromTemplate, nodeOf, openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";
import { trpc } from "./helpers/trpc";

/**
 * The craft of the app as a person meets it: a visitor's landing page; an edit followed at once by a
 * link is kept, and a save that cannot complete says so; a NUL character in every text field never
 * shows a driver's message; destructive actions ask first and the canvas can undo them; refused
 * prices are explained per field in words; workflows and runs are searched on the server; duplicate
 * names are said and Duplicate copies a workflow.
 */

test.setTimeout(150_000);

/** Words of the database driver, zod or an unexpected failure that must never reach a screen. */
const rawError =
  /22P05|22021|invalid byte sequence|Prisma|unsupported Unicode|"code":|Too small|Invalid input|Something went wrong/;

async function expectNoRawError(page: Page) {
  await expect(page.locator("body")).not.toContainText(rawError);
}

/** The canvas's working copy is saved. */
const saved = (page: Page) => expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

/** The confirmation a destructive action asks. */
const question = (page: Page) => page.getByTestId("confirm-dialog");

/** The canvas's Undo (Ctrl+Z). */
async function undoOnCanvas(page: Page) {
  await page.getByRole("button", { name: "Undo" }).click();
}

test("a signed-out visitor gets a landing page that says what Troupe is, with the way in", async ({
  page,
}) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("teams of LLM agents");
  await expect(page.getByRole("img").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign up" })).toBeVisible();
  await page.screenshot({ path: `${screenshots}/craft-landing.png` });
  expect((await page.request.get("/favicon.ico")).status()).toBe(200);
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await expect(page).toHaveURL(/\/sign-in/);

  // A NUL in the e-mail is a wrong e-mail, not a database error.
  await page.getByLabel("E-mail").fill("nobody\u0000@example.com");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expectNoRawError(page);
  await expect(page).toHaveURL(/\/sign-in/);
});

test("an edit followed at once by a sidebar link is there on return; a save that cannot complete says so", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Quick Leaver",
    workflow: "Kept edits",
    template: "code-agent-web-search",
  });
  const url = page.url();
  await nodeOf(page, "agent").click();
  await page.getByTestId("field-description").fill("Answers questions about the weather.");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "dirty");
  await page.getByRole("link", { name: "Runs", exact: true }).first().click();
  await expect(page).toHaveURL(/\/runs$/);

  await page.goto(url);
  await nodeOf(page, "agent").click();
  await expect(page.getByTestId("field-description")).toHaveValue("Answers questions about the weather.");

  // The server cannot be reached: leaving with an unsaved edit says the edit was not saved.
  await page.route("**/api/trpc/**saveGraph**", (route) => route.abort());
  await page.getByTestId("field-description").fill("This edit cannot be saved.");
  await page.getByRole("link", { name: "Workflows", exact: true }).first().click();
  await expect(page).toHaveURL(/\/workflows$/);
  await expect(page.getByText("Your last edit to the workflow could not be saved")).toBeVisible();
  await page.unroute("**/api/trpc/**saveGraph**");
});

test("a NUL character typed into every text field is stored as U+FFFD and never shows a driver's message", async ({
  page,
}) => {
  await signUp(page, newAccount("Nul Paster"));
  const team = await trpc<{ id: string }>(page, "team.current", undefined, "GET");

  // Workflow name (create and rename), then the searches.
  await openNewWorkflow(page, "Nul\u0000crew");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Nul\uFFFDcrew");
  await page.goto("/workflows");
  const row = page.getByTestId("workflow-row").filter({ hasText: "Nul\uFFFDcrew" });
  await row.getByRole("button", { name: /Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Rename" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Renamed\u0000crew");
  await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
  await expect(page.getByTestId("workflow-row").filter({ hasText: "Renamed\uFFFDcrew" })).toBeVisible();
  await page.getByLabel("Search workflows").fill("Renamed\u0000");
  await expect(page.getByTestId("workflow-row")).toHaveCount(1);
  await expectNoRawError(page);

  // Node fields on the canvas, and a version message.
  await page.getByTestId("workflow-row").getByRole("link").click();
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId("template-code-agent-web-search").click();
  await saved(page);
  await nodeOf(page, "agent").click();
  await page.getByTestId("field-description").fill("Looks\u0000things up.");
  await page.getByTestId("field-instructions").locator(".cm-content").fill("Search\u0000first.");
  await page.getByTestId("field-name").fill("web\u0000agent");
  await saved(page);
  await expect(page.getByTestId("save-problem")).toHaveCount(0);
  await page.getByRole("button", { name: "Save version" }).click();
  await page.getByLabel("Version message").fill("With a\u0000NUL");
  await page.getByRole("dialog").getByRole("button", { name: "Save version" }).click();
  await expect(page.getByText("Saved version 1.")).toBeVisible();
  await page.reload();
  await nodeOf(page, "agent").click();
  await expect(page.getByTestId("field-description")).toHaveValue("Looks\uFFFDthings up.");
  await expectNoRawError(page);

  // A run's task, on the demo workflow (it runs offline).
  const workflows = await trpc<{ items: { id: string; name: string }[] }>(
    page,
    "workflow.list",
    { teamId: team.id },
    "GET",
  );
  const demo = workflows.items.find((workflow) => workflow.name.startsWith("Demo"))!;
  await page.goto(`/workflows/${demo.id}`);
  await page.getByTestId("run-button").click();
  const runDialog = page.getByRole("dialog", { name: /Run “Demo/ });
  await runDialog.getByLabel("Task").fill("Compare\u0000the cities.");
  await runDialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  await expect(page.getByText("Compare\uFFFDthe cities.")).toBeVisible();
  await expectNoRawError(page);

  // The runs search, and a price's model id.
  await page.goto("/runs");
  await page.getByLabel("Search runs").fill("Compare\u0000");
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  const prices = page.getByTestId("price-table");
  await prices.locator("summary").click();
  await prices.getByLabel("Model id").fill("acme/nul\u0000model");
  await prices.getByLabel("Input price").fill("1");
  await prices.getByLabel("Output price").fill("2");
  await prices.getByRole("button", { name: "Set price" }).click();
  await expect(prices.getByRole("row").filter({ hasText: "acme/nul\uFFFDmodel" })).toContainText("your team");
  await expectNoRawError(page);

  // A secret's name (refused in words) and description, and the library's search.
  await page.goto("/settings/secrets");
  await page.getByTestId("add-secret").click();
  const secretDialog = page.getByRole("dialog");
  const alert = secretDialog.getByRole("alert");
  // A secret's value is sent as typed, so a NUL in it is refused in words rather than changed.
  await secretDialog.getByLabel("Name").fill("NUL_KEY");
  await secretDialog.getByLabel("Value").fill("a value with a\u0000NUL");
  await secretDialog.getByLabel("Description (optional)").fill("Has a\u0000NUL");
  await secretDialog.getByTestId("secret-submit").click();
  await expect(alert).toHaveText("The value contains a NUL character.");
  await secretDialog.getByLabel("Value").fill("a plain value");
  await secretDialog.getByLabel("Name").fill("NUL\u0000KEY");
  await secretDialog.getByTestId("secret-submit").click();
  await expect(alert).toHaveText("Secret names are UPPER_SNAKE_CASE (A-Z, 0-9, _).");
  await secretDialog.getByLabel("Name").fill("NUL_KEY");
  await secretDialog.getByTestId("secret-submit").click();
  await expect(page.getByText("Has a\uFFFDNUL")).toBeVisible();
  await page.goto("/library");
  await page.getByTestId("library-search").fill("a\u0000b");
  await expect(page.getByTestId("library-no-match")).toBeVisible();
  await expectNoRawError(page);
});

test("template, import and restore over a non-empty canvas ask first and Undo takes each back", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Careful Replacer",
    workflow: "Undoable crew",
    template: "code-agent-web-search",
  });
  const nodes = page.locator(".react-flow__node");
  await expect(nodes).toHaveCount(5);
  await page.getByRole("button", { name: "Save version" }).click();
  await page.getByLabel("Version message").fill("Five nodes");
  await page.getByRole("dialog").getByRole("button", { name: "Save version" }).click();
  await expect(page.getByText("Saved version 1.")).toBeVisible();

  // A template: "Cancel" keeps the canvas; "Replace" replaces it; Ctrl+Z brings it back.
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId("template-manager-researcher-analyst").click();
  await expect(question(page)).toContainText("replaces the 5 nodes on the canvas");
  await page.screenshot({ path: `${screenshots}/craft-confirm-template.png` });
  await question(page).getByRole("button", { name: "Cancel" }).click();
  await expect(nodes).toHaveCount(5);
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId("template-manager-researcher-analyst").click();
  await question(page).getByRole("button", { name: "Replace the canvas" }).click();
  await expect(nodes).toHaveCount(7);
  await undoOnCanvas(page);
  await expect(nodes).toHaveCount(5);
  await saved(page);

  // An imported file.
  const file = exportWorkflow(getTemplate("manager-researcher-analyst")!.document, { name: "Imported crew" });
  await page.getByTestId("import-input").setInputFiles({
    name: "imported.troupe.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(file)),
  });
  await expect(question(page)).toContainText('The workflow "Imported crew" replaces the 5 nodes');
  await question(page).getByRole("button", { name: "Replace the canvas" }).click();
  await expect(nodes).toHaveCount(7);
  await saved(page);

  // Restoring version 1 over the imported graph, then undoing the restore: the undo is saved too.
  await page.getByRole("button", { name: "History" }).click();
  await page.getByTestId("version-list").getByRole("button", { name: "Restore" }).click();
  await expect(question(page)).toContainText("Version 1 replaces the 7 nodes");
  await question(page).getByRole("button", { name: "Replace the canvas" }).click();
  await expect(page.getByText("Restored version 1.")).toBeVisible();
  await expect(nodes).toHaveCount(5);
  await undoOnCanvas(page);
  await expect(nodes).toHaveCount(7);
  await saved(page);
  await page.reload();
  await expect(nodes).toHaveCount(7);
});

test("the price table explains a negative or non-numeric price under its field, in words", async ({
  page,
}) => {
  await signUp(page, newAccount("Price Setter"));
  await page.goto("/runs");
  const prices = page.getByTestId("price-table");
  await prices.locator("summary").click();
  await prices.getByLabel("Model id").fill("acme/local-llm");
  await prices.getByLabel("Input price").fill("-1");
  await prices.getByLabel("Output price").fill("cheap");
  await prices.getByRole("button", { name: "Set price" }).click();
  await expect(prices.getByLabel("Input price")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#price-input-price-error")).toHaveText("Must be at least 0.");
  await expect(page.locator("#price-output-price-error")).toHaveText("Must be a number.");
  await expectNoRawError(page);
  await expect(page.locator("body")).not.toContainText("[{");
  await prices.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${screenshots}/craft-price-errors.png` });
  await expect(prices.getByRole("row").filter({ hasText: "acme/local-llm" })).toHaveCount(0);
});

test("workflows and runs are searched on the server; same names are said; Duplicate copies a workflow", async ({
  page,
}) => {
  await signUp(page, newAccount("Search Person"));
  const team = await trpc<{ id: string }>(page, "team.current", undefined, "GET");
  const scout = await trpc<{ id: string }>(page, "workflow.create", {
    teamId: team.id,
    name: "Weather scout",
  });
  await trpc(page, "workflow.create", { teamId: team.id, name: "Harbour crew" });
  await trpc(page, "workflow.saveGraph", {
    workflowId: scout.id,
    revision: 0,
    graph: getTemplate("code-agent-web-search")!.document,
  });

  await page.goto("/workflows");
  const rows = page.getByTestId("workflow-row");
  await expect(rows).toHaveCount(3);
  const search = page.getByLabel("Search workflows");
  await search.fill("weather");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Weather scout");
  await search.fill("visit_webpage");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Weather scout");
  await search.fill("no such words");
  await expect(
    page.getByText("No workflow’s name, description or tools hold “no such words”."),
  ).toBeVisible();
  await search.fill("");
  await expect(rows).toHaveCount(3);

  // Duplicate from the list, then a second "Weather scout" is said before and after creating it.
  await rows
    .filter({ hasText: "Weather scout" })
    .getByRole("button", { name: /Actions for/ })
    .click();
  await page.getByRole("menuitem", { name: "Duplicate" }).click();
  await expect(page.getByText('Duplicated as "Weather scout (copy)".')).toBeVisible();
  await expect(rows).toHaveCount(4);
  await page.getByRole("button", { name: "New workflow" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Name").fill("Weather scout");
  await expect(dialog.getByTestId("same-name-note")).toContainText("already named “Weather scout”");
  await page.screenshot({ path: `${screenshots}/craft-same-name.png` });
  await dialog.getByRole("button", { name: "Create workflow" }).click();
  // The toast shows for a few seconds, while the new workflow opens.
  await expect(page.getByText("Another workflow of this team has the same name.")).toBeVisible();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);

  // Duplicate in the editor opens the copy.
  await page.goto(`/workflows/${scout.id}`);
  await expect(page.locator(".react-flow__node")).toHaveCount(5);
  await page.getByRole("button", { name: "Duplicate" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Weather scout (copy 2)");
  expect(page.url()).not.toContain(scout.id);
  await expect(page.locator(".react-flow__node")).toHaveCount(5);

  // Runs: by task, and by the name of a tool the run's agents had.
  const demo = (
    await trpc<{ items: { id: string; name: string }[] }>(page, "workflow.list", { teamId: team.id }, "GET")
  ).items.find((workflow) => workflow.name.startsWith("Demo"))!;
  await trpc(page, "run.start", { workflowId: demo.id, task: "Count the ships in the harbour." });
  await trpc(page, "run.start", { workflowId: demo.id, task: "Something else entirely." });
  await page.goto("/runs");
  const runRows = page.getByTestId("run-row");
  // Two runs are under way on a loaded machine: the first page can take a while.
  await expect(runRows).toHaveCount(2, { timeout: 30_000 });
  const runSearch = page.getByLabel("Search runs");
  await runSearch.fill("harbour");
  await expect(runRows).toHaveCount(1);
  await expect(runRows).toContainText("Count the ships in the harbour.");
  await runSearch.fill("Demo: research");
  await expect(runRows).toHaveCount(2);
  await runSearch.fill("no such words");
  await expect(page.getByText("No runs match these filters")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/craft-run-search.png` });
});
