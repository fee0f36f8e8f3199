import { spawn } from "node:child_process";
import { expect as baseExpect, test } from "@playwright/test";
import { newAccount } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";

/**
 * Publishing, end to end on the embedded server: the seeded demo workflow is published from the editor
 * (saving a version on the way), an API key is created and read off the page once, the curl snippet is
 * copied from the endpoint page and run by a real shell with the real curl, and the run it starts appears
 * live on the runs dashboard with the API badge and the key's name, then on its run page.
 */

test.setTimeout(360_000);
// Pages compile and the first run warms the sandbox: allow for a machine shared with other work.
const expect = baseExpect.configure({ timeout: 45_000 });

/** Run a shell command (the copied snippet) with the key in the environment; its output and exit code. */
function runShell(command: string, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { env: { ...process.env, ...env } });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
  });
}

test("publish the demo, create a key, run the copied curl snippet, see the API run live", async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  // Sign up through the form (a first sign-up on a busy machine may take a while: hashing, seeding).
  const account = newAccount("Pub Lisher");
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(account.name);
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/workflows$/, { timeout: 90_000 });

  // The demo workflow exists; publish it from the editor, saving the current graph as a version.
  const demoRow = page.getByTestId("workflow-row").filter({ hasText: "Demo: research team" });
  await expect(demoRow).toBeVisible();
  await demoRow.getByRole("link").click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await page.getByRole("button", { name: "Publish" }).click();
  const dialog = page.getByRole("dialog", { name: "Publish as an API" });
  await expect(dialog.getByLabel("Version")).toHaveValue("new");
  await expect(dialog.getByLabel("Slug")).toHaveValue("demo-research-team");
  await expect(dialog.getByTestId("slug-note")).toContainText("Available");
  await dialog.getByLabel("Slug").fill("research");
  await dialog.getByLabel("Description (optional)").fill("Compares Nordic capitals");
  await expect(dialog.getByTestId("slug-note")).toContainText("Available");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await expect(page).toHaveURL(/\/endpoints\/[a-z0-9]+$/);
  const endpointUrl = page.url();
  await expect(page.getByRole("heading", { name: "research" })).toBeVisible();
  await expect(page.getByTestId("serving-badge")).toHaveText("Serving v1");
  await expect(page.getByTestId("endpoint-history")).toContainText("Published");
  await expect(page.getByTestId("endpoint-url")).toContainText(
    `${new URL(endpointUrl).origin}/api/v1/endpoints/`,
  );

  // The slug is now taken: the editor's dialog says so before publishing again.
  await page.goBack();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await page.getByRole("button", { name: "Publish" }).click();
  const again = page.getByRole("dialog", { name: "Publish as an API" });
  await expect(again.getByLabel("Version")).toHaveValue(/^(?!new$)/);
  await again.getByLabel("Slug").fill("research");
  await expect(again.getByTestId("slug-note")).toContainText('already has an endpoint "research"');
  await expect(again.getByRole("button", { name: "Publish" })).toBeDisabled();
  await page.keyboard.press("Escape");

  // A key, shown once.
  await page.goto("/endpoints/keys");
  await page.getByRole("button", { name: "Create key" }).click();
  const keyDialog = page.getByRole("dialog", { name: "Create an API key" });
  await keyDialog.getByLabel("Name").fill("CI pipeline");
  await keyDialog.getByLabel("Calls per minute").fill("30");
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toHaveText(/^trp_[A-Za-z0-9_-]{40}$/);
  const key = ((await shown.textContent()) ?? "").trim();
  await expect(page.getByRole("dialog")).toContainText("will not be shown again");
  await page.screenshot({ path: `${screenshots}/publish-key-once.png` });
  await page.getByRole("button", { name: "I have copied it" }).click();
  const keyRow = page.getByTestId("api-key-row").filter({ hasText: "CI pipeline" });
  await expect(keyRow).toContainText(key.slice(0, 12));
  await expect(keyRow).not.toContainText(key);
  await expect(keyRow.getByTestId("api-key-last-used")).toHaveText("Never");
  await page.screenshot({ path: `${screenshots}/publish-keys.png`, fullPage: true });

  // The curl snippet, copied from the endpoint page.
  await page.goto(endpointUrl);
  await page.getByRole("tab", { name: "curl", exact: true }).click();
  const snippet = ((await page.getByTestId("snippet-code").textContent()) ?? "").trim();
  expect(snippet).toMatch(/^curl -X POST '.+\/api\/v1\/endpoints\/.+\/research\/runs'/);
  expect(snippet).not.toContain(key);
  await page.getByRole("button", { name: "Copy curl", exact: true }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.trim()).toBe(snippet);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/publish-endpoint.png`, fullPage: true });

  // Run it from a real shell while the runs dashboard is open: the run appears there by itself.
  await page.goto("/runs");
  await expect(page.getByRole("heading", { name: "Runs", exact: true })).toBeVisible();
  const call = runShell(copied, { TROUPE_API_KEY: key });
  const apiRow = page
    .getByTestId("run-row")
    .filter({ has: page.locator('[data-testid="run-source"][data-source="api"]') });
  await expect(apiRow).toHaveCount(1, { timeout: 30_000 });
  await expect(apiRow.getByTestId("run-source")).toContainText("API");
  await expect(apiRow.getByTestId("run-source")).toContainText("CI pipeline");
  await expect(apiRow).toContainText("Demo: research team");

  const { code, stdout } = await call;
  expect(code).toBe(0);
  const answer = JSON.parse(stdout) as { id: string; status: string; output: unknown };
  expect(answer.status).toBe("succeeded");
  expect(String(answer.output)).toContain("Stockholm");
  await expect(apiRow.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 30_000,
  });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/publish-runs-api.png` });

  // The run page says where it came from.
  await apiRow.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/runs/${answer.id}$`));
  await expect(page.getByTestId("run-source")).toContainText("CI pipeline");
  await expect(page.getByRole("link", { name: "/research" })).toBeVisible();

  // The endpoint's usage counts the call; the key shows it was used.
  await page.goto(endpointUrl);
  await expect(page.getByTestId("usage-charts")).toContainText("Calls");
  await expect(page.getByTestId("usage-breakdown")).toContainText("CI pipeline");
  await page.goto("/endpoints/keys");
  await expect(keyRow.getByTestId("api-key-last-used")).not.toHaveText("Never");
});
