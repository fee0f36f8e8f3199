import { expect, type Page, test } from "@playwright/test";
import { newAccount, signIn, signOut, signUp } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";

/** Create a workflow: the app opens it on the canvas; back on the list, it is there. */
async function createWorkflow(page: Page, name: string) {
  await page.getByRole("button", { name: "New workflow" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create workflow" }).click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await expect(page.getByTestId("canvas")).toBeVisible();
  await page.getByRole("link", { name: "Workflows", exact: true }).first().click();
  await expect(page.getByTestId("workflow-row").filter({ hasText: name })).toBeVisible();
}

test("sign up, create and rename a workflow, reload, sign out and back in", async ({ page }) => {
  const account = newAccount();
  await page.goto("/");
  // A visitor lands on a page that says what Troupe is, with the demo's picture and the way in.
  await expect(page.getByRole("heading", { name: /teams of LLM agents/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /finished run of the demo/ })).toBeVisible();
  expect(
    await page
      .getByRole("img", { name: /finished run of the demo/ })
      .evaluate((img) => (img as HTMLImageElement).naturalWidth),
  ).toBeGreaterThan(0);
  await page.screenshot({ path: `${screenshots}/landing.png` });
  expect((await page.request.get("/favicon.ico")).status()).toBe(200);
  await page.getByRole("navigation").getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.screenshot({ path: `${screenshots}/sign-in.png` });

  await signUp(page, account);
  await expect(page.getByTestId("team-name")).toHaveText("Ada Lovelace's team");
  // New accounts may come with seeded workflows (the demo): delete them through the UI, which also
  // exercises delete with its confirmation, until the empty state shows.
  const rows = page.getByTestId("workflow-row");
  await expect(page.getByRole("heading", { name: "Workflows" })).toBeVisible();
  for (let left = await rows.count(); left > 0; left--) {
    const name = ((await rows.first().getByRole("link").textContent()) ?? "").trim();
    await rows
      .first()
      .getByRole("button", { name: `Actions for ${name}` })
      .click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: `Delete “${name}”?` });
    await confirm.getByRole("button", { name: "Delete workflow" }).click();
    await expect(confirm).toBeHidden();
    await expect(rows).toHaveCount(left - 1);
  }
  await expect(page.getByText("No workflows yet")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/workflows-empty.png` });

  await createWorkflow(page, "Research assistant");
  const row = page.getByTestId("workflow-row").filter({ hasText: "Research assistant" });
  await row.getByRole("button", { name: "Actions for Research assistant" }).click();
  await page.getByRole("menuitem", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: "Rename workflow" });
  await expect(rename.getByLabel("Name")).toHaveValue("Research assistant");
  await rename.getByLabel("Name").fill("   ");
  await rename.getByRole("button", { name: "Rename" }).click();
  await expect(rename.getByRole("alert")).toHaveText("Give the workflow a name.");
  await rename.getByLabel("Name").fill("Market research crew");
  await rename.getByRole("button", { name: "Rename" }).click();
  await expect(rename).toBeHidden();

  await createWorkflow(page, "Support triage");
  await createWorkflow(page, "Pull request reviewer");

  await page.reload();
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "Market research crew" })).toBeVisible();
  await expect(rows.filter({ hasText: "Research assistant" })).toHaveCount(0);
  await expect(rows.filter({ hasText: "Market research crew" }).getByRole("link")).toHaveAttribute(
    "href",
    /^\/workflows\/[a-z0-9]+$/,
  );
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/workflows.png` });

  await signOut(page);
  await signIn(page, account.email, "not my password");
  await expect(page.getByText("Wrong e-mail or password.")).toBeVisible();
  await expect(page.getByLabel("E-mail")).toHaveValue(account.email);
  await page.screenshot({ path: `${screenshots}/sign-in-error.png` });

  await signIn(page, account.email, account.password);
  await expect(page).toHaveURL(/\/workflows$/);
  await expect(page.getByTestId("workflow-row")).toHaveCount(3);
});

test("sign-up form explains what is wrong", async ({ page }) => {
  const account = newAccount("Grace Hopper");
  await page.goto("/sign-up");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter your name.")).toBeVisible();
  await expect(page.getByText("Enter a valid e-mail address.")).toBeVisible();
  await expect(page.getByText("Use at least 8 characters for your password.")).toBeVisible();

  await page.getByLabel("Name").fill("x".repeat(101));
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Your name must be at most 100 characters.")).toBeVisible();
  await expect(page.getByText("Use at least 8 characters for your password.")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/sign-up-errors.png` });

  await signUp(page, account);
  await signOut(page);
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Someone Else");
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill("another password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("An account with this e-mail already exists.")).toBeVisible();
});

test("settings show the profile and team, and sign out everywhere ends every session", async ({
  page,
  browser,
}) => {
  const account = newAccount("Katherine Johnson");
  await signUp(page, account);
  const otherDevice = await browser.newContext();
  const otherPage = await otherDevice.newPage();
  await signIn(otherPage, account.email, account.password);
  await expect(otherPage).toHaveURL(/\/workflows$/);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  const members = page.getByRole("list", { name: "Team members" });
  await expect(members.getByText(account.email)).toBeVisible();
  await expect(members.getByText("owner")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/settings.png` });

  await page.getByRole("link", { name: "Runs" }).click();
  // A new account has run nothing: every chart and the list say so.
  await expect(page.getByText("No runs yet").first()).toBeVisible();
  await page.getByRole("link", { name: "Library" }).click();
  await expect(page.getByText("Your library is empty")).toBeVisible();

  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/workflows");
  await expect(page).toHaveURL(/\/sign-in/);
  await otherPage.goto("/workflows");
  await expect(otherPage).toHaveURL(/\/sign-in/);
  await otherDevice.close();
});
