import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { openNewWorkflow } from "./helpers/canvas";

test("an owner invites a viewer by link; the viewer signs up from it, sees the team and a read-only canvas", async ({
  page,
  browser,
}) => {
  // The owner creates a shared team from the team menu and a workflow in it.
  await signUp(page, newAccount("Olive Owner"));
  await page.getByRole("button", { name: "Switch team" }).click();
  await page.getByRole("menuitem", { name: "Create team" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a team" });
  await dialog.getByLabel("Name").fill("Research crew");
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/team$/);
  await expect(page.getByTestId("team-name")).toHaveText("Research crew");

  // Invite by e-mail as a viewer; no SMTP server here, so the page shows the link to copy.
  const viewer = newAccount("Vera Viewer");
  await page.getByLabel("E-mail").fill(viewer.email);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const link = await page.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("list", { name: "Pending invitations" })).toContainText(viewer.email);

  await page.getByRole("link", { name: "Workflows" }).click();
  await openNewWorkflow(page, "Shared plan");

  // The invited person opens the link in a browser of their own and creates their account from it.
  const context = await browser.newContext();
  const invited = await context.newPage();
  await invited.goto(new URL(link).pathname);
  await expect(invited.getByRole("heading", { name: "Join Research crew" })).toBeVisible();
  await expect(invited.getByTestId("invitation-role")).toHaveText("viewer");
  await invited.getByLabel("Name").fill(viewer.name);
  await invited.getByLabel("Password").fill(viewer.password);
  await invited.getByRole("button", { name: "Create account and join" }).click();
  await expect(invited).toHaveURL(/\/workflows$/);
  await expect(invited.getByTestId("team-name")).toHaveText("Research crew");

  // A viewer: the shared workflow opens read-only, with a banner saying so.
  await invited
    .getByTestId("workflow-row")
    .filter({ hasText: "Shared plan" })
    .getByRole("link")
    .first()
    .click();
  await expect(invited.getByTestId("read-only-banner")).toContainText("this canvas is read-only");

  // The owner sees the new member; the link does not work a second time.
  await page.getByRole("link", { name: "Team", exact: true }).click();
  await expect(page.getByTestId("member").filter({ hasText: viewer.email })).toBeVisible();
  await expect(page.getByRole("list", { name: "Audit log" })).toContainText("invitation.accepted");
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(new URL(link).pathname);
  await expect(stranger.getByTestId("invitation-refused")).toHaveAttribute("data-state", "used");
  await expect(stranger.getByText("This invitation was already used")).toBeVisible();
  await context.close();
});
