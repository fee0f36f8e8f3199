import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { connect, dragOntoCanvas, nodeOf, openNewWorkflow } from "./helpers/canvas";

test("a second person accepts an invitation, runs the agent the team shared, and may use but not change its secrets", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  // The owner makes a team and, in it, a small agent on a replay model.
  await signUp(page, newAccount("Otto Owner"));
  await page.getByRole("button", { name: "Switch team" }).click();
  await page.getByRole("menuitem", { name: "Create team" }).click();
  const create = page.getByRole("dialog", { name: "Create a team" });
  await create.getByLabel("Name").fill("Agents guild");
  await create.getByRole("button", { name: "Create team" }).click();
  await expect(page.getByTestId("team-name")).toHaveText("Agents guild");

  await page.getByRole("link", { name: "Workflows" }).click();
  await openNewWorkflow(page, "Greeter");
  await dragOntoCanvas(page, page.getByTestId("palette-code-agent"), 280, 110);
  await dragOntoCanvas(page, page.getByTestId("palette-openai-model"), 280, 380);
  const agent = nodeOf(page, "agent");
  const model = nodeOf(page, "model");
  await connect(page, agent, "model", model);
  await model.click();
  const inspector = page.getByTestId("node-inspector");
  await inspector.getByTestId("field-provider").selectOption("replay");
  const transcript = inspector.getByTestId("field-transcript");
  await transcript.fill(`["Thought: greet.\\n<code>\\nfinal_answer('Welcome to the guild')\\n</code>"]`);
  await transcript.blur();
  await agent.click();
  await inspector.getByTestId("field-name").fill("greeter");
  await inspector.getByTestId("share-agent-message").fill("First greeter");
  await inspector.getByTestId("share-agent-button").click();
  await expect(inspector.getByTestId("share-result")).toHaveText("Shared as v1");

  // A team secret the second person may pick but not change.
  await page.goto("/settings/secrets");
  await page.getByTestId("add-secret").click();
  const secretDialog = page.getByRole("dialog");
  await secretDialog.getByLabel("Name").fill("GUILD_TOKEN");
  await secretDialog.getByLabel("Value").fill("guild-token-value-1234");
  await secretDialog.getByTestId("secret-submit").click();
  await expect(page.getByTestId("secret-row").filter({ hasText: "GUILD_TOKEN" })).toBeVisible();

  // An invitation as an editor, by link.
  await page.goto("/team");
  const editor = newAccount("Edda Editor");
  await page.getByLabel("E-mail").fill(editor.email);
  await page.getByLabel("Role", { exact: true }).selectOption("editor");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const link = await page.getByTestId("invitation-link").inputValue();

  // The second person, in a browser of their own, joins from the link.
  const context = await browser.newContext();
  const second = await context.newPage();
  await second.goto(new URL(link).pathname);
  await expect(second.getByRole("heading", { name: "Join Agents guild" })).toBeVisible();
  await second.getByLabel("Name").fill(editor.name);
  await second.getByLabel("Password").fill(editor.password);
  await second.getByRole("button", { name: "Create account and join" }).click();
  await expect(second.getByTestId("team-name")).toHaveText("Agents guild");

  // They find the shared agent in the library…
  await second.getByRole("link", { name: "Library" }).click();
  await second.getByTestId("library-filter-agent").click();
  const row = second.getByTestId("library-row").filter({ hasText: "greeter" });
  await expect(row).toContainText("Otto Owner");

  // …drop it into a workflow of their own and run it.
  await second.getByRole("link", { name: "Workflows" }).click();
  await openNewWorkflow(second, "My greeting");
  const entry = second
    .getByRole("navigation", { name: "Palette" })
    .locator('[data-testid^="palette-library-"]')
    .filter({ hasText: "greeter" });
  await dragOntoCanvas(second, entry, 300, 200);
  await expect(nodeOf(second, "agent").getByTestId("node-agent")).toHaveAttribute("data-validation", "ok");
  await expect(second.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  await second.getByTestId("run-button").click();
  const run = second.getByRole("dialog", { name: /Run “My greeting”/ });
  await run.getByLabel("Task").fill("Greet the newcomer");
  await run.getByRole("button", { name: "Start run" }).click();
  await expect(second.getByTestId("run-timeline").getByTestId("final-answer").last()).toContainText(
    "Welcome to the guild",
    { timeout: 90_000 },
  );

  // The credentials page: the editor sees the names, and no way to add, replace, edit or delete.
  await second.goto("/settings/secrets");
  await expect(second.getByTestId("secret-row").filter({ hasText: "GUILD_TOKEN" })).toBeVisible();
  await expect(second.getByTestId("secrets-read-only")).toBeVisible();
  await expect(second.getByTestId("add-secret")).toHaveCount(0);
  await expect(second.getByRole("button", { name: /GUILD_TOKEN/ })).toHaveCount(0);
  await expect(second.getByText("guild-token-value-1234")).toHaveCount(0);
  await context.close();
});
