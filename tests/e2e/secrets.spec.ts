import { expect, test } from "@playwright/test";
import { newWorkflowFromTemplate, nodeOf } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

test("an admin adds a team secret on the credentials page, picks it in a model node, and the missing-secret warning goes", async ({
  page,
}) => {
  const value = `sk-e2e-${Date.now().toString(36)}-never-shown`;
  await newWorkflowFromTemplate(page, {
    person: "Secret Keeper",
    workflow: "Needs a key",
    template: "code-agent-web-search",
  });
  const workflowUrl = page.url();
  const model = nodeOf(page, "model");
  await expect(model.getByTestId("node-model")).toHaveAttribute("data-validation", "error");
  await expect(model.getByTestId("node-issue")).toHaveText(
    "The secret OPENAI_API_KEY is not set on this server: add it under Settings → Credentials",
  );
  await expect(page.getByTestId("run-button")).toBeDisabled();

  // Settings → Credentials: add the team's own key, bound to the OpenAI API.
  await page.goto("/settings");
  await page.getByRole("link", { name: /Credentials/ }).click();
  await expect(page).toHaveURL(/\/settings\/secrets$/);
  await expect(page.getByText("No team secrets yet")).toBeVisible();
  await page.getByTestId("add-secret").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("team key");
  await dialog.getByLabel("Value").fill(value);
  await dialog.getByTestId("secret-submit").click();
  await expect(dialog.getByRole("alert")).toHaveText("Secret names are UPPER_SNAKE_CASE (A-Z, 0-9, _).");
  await dialog.getByLabel("Name").fill("TEAM_OPENAI_KEY");
  await dialog.getByLabel("Sent only to (optional)").fill("api.openai.com");
  await dialog.getByLabel("Description (optional)").fill("Our OpenAI account");
  await dialog.getByTestId("secret-submit").click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId("secret-row").filter({ hasText: "TEAM_OPENAI_KEY" });
  await expect(row).toContainText("api.openai.com");
  await expect(row).toContainText("Our OpenAI account");
  await expect(row).toContainText("never");
  await expect(row).toContainText("Secret Keeper");
  expect(await page.content()).not.toContain(value);
  await page.screenshot({ path: `${screenshots}/credentials.png` });

  // Back on the canvas, the model's key field offers it; picking it clears the warning.
  await page.goto(workflowUrl);
  await model.click();
  const inspector = page.getByTestId("node-inspector");
  await expect(inspector).toHaveAttribute("data-node-type", "model");
  const field = inspector.getByTestId("field-apiKeySecret");
  // The field offers secrets once the team's and the installation's have loaded.
  await expect(field).toHaveAttribute("list", /-secrets$/);
  const listId = await field.getAttribute("list");
  await expect(page.locator(`datalist[id="${listId}"] option[value="TEAM_OPENAI_KEY"]`)).toHaveAttribute(
    "label",
    "team secret",
  );
  await field.fill("TEAM_OPENAI_KEY");
  await expect(model.getByTestId("node-model")).toHaveAttribute("data-validation", "ok");
  await expect(model.getByTestId("node-issue")).toHaveCount(0);
  await expect(page.getByTestId("run-button")).toBeEnabled();
  expect(await page.content()).not.toContain(value);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  // Replace the value and edit the description; then delete it, confirmed: the canvas warns again.
  await page.goto("/settings/secrets");
  await row.getByRole("button", { name: "Replace the value of TEAM_OPENAI_KEY" }).click();
  await dialog.getByLabel("Value").fill(`${value}-2`);
  await dialog.getByTestId("secret-submit").click();
  await expect(dialog).toBeHidden();
  await row.getByRole("button", { name: "Edit TEAM_OPENAI_KEY" }).click();
  await expect(dialog.getByLabel("Sent only to (optional)")).toHaveValue("api.openai.com");
  await dialog.getByLabel("Description (optional)").fill("Rotated in December");
  await dialog.getByTestId("secret-submit").click();
  await expect(row).toContainText("Rotated in December");
  await row.getByRole("button", { name: "Delete TEAM_OPENAI_KEY" }).click();
  await expect(dialog).toContainText("Delete TEAM_OPENAI_KEY?");
  await dialog.getByTestId("secret-submit").click();
  await expect(page.getByTestId("secret-row")).toHaveCount(0);
  expect(await page.content()).not.toContain(value);

  await page.goto(workflowUrl);
  await expect(model.getByTestId("node-issue")).toHaveText(
    "The secret TEAM_OPENAI_KEY is not set on this server: add it under Settings → Credentials",
  );
});
