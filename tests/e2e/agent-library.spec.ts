import { expect, type Page, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { dragOntoCanvas, nodeOf, openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

/** Open the demo workflow (seeded at sign-up: a manager, a researcher and an analyst on replay models). */
async function openDemo(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Workflows" }).click();
  await page.getByTestId("workflow-row").filter({ hasText: "Demo: research team" }).getByRole("link").click();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
}

test("share an agent, find it in the library, drop it into a new workflow as one pinned node, run it, and upgrade it", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signUp(page, newAccount("Agent Librarian"));
  await openDemo(page);

  // The demo's manager, with its model, sandbox and managed agents, shared from its inspector.
  const manager = nodeOf(page, "agent").filter({ hasText: "manager" });
  await manager.click();
  const inspector = page.getByTestId("node-inspector");
  const share = inspector.getByTestId("share-agent-to-library");
  await expect(share).toContainText("Share this agent, with its model, tools and managed agents");
  await share.getByTestId("share-agent-message").fill("The research team");
  await share.getByTestId("share-agent-button").click();
  await expect(share.getByTestId("share-result")).toHaveText("Shared as v1");
  // Shared again unchanged: no new version.
  await share.getByTestId("share-agent-button").click();
  await expect(share.getByTestId("share-result")).toHaveText("Unchanged: still version 1");

  // The Library page, filtered to agents, lists it with its version and changelog.
  await page.getByRole("link", { name: "Library" }).click();
  await expect(page).toHaveURL(/\/library$/);
  await page.getByTestId("library-filter-agent").click();
  const row = page.getByTestId("library-row").filter({ hasText: "manager" });
  await expect(row).toHaveAttribute("data-kind", "agent");
  await expect(row).toContainText("Agent");
  await expect(row).toContainText("(1 version)");
  await expect(row).toContainText("Agent Librarian");
  await row.getByRole("button", { name: /^manager/ }).click();
  await expect(row.getByTestId("library-version-row")).toContainText("The research team");
  await expect(row.getByTestId("library-version-row")).toContainText("CodeAgent · replay gpt-4o-mini");
  await expect(row.getByTestId("library-version-row")).toContainText("2 managed agents");
  await page.getByTestId("library-filter-tool").click();
  await expect(page.getByTestId("library-no-match")).toBeVisible();
  await page.getByTestId("library-filter-all").click();
  await page.getByTestId("library-search").fill("research team");
  await expect(page.getByTestId("library-row")).toHaveCount(0);
  await page.getByTestId("library-search").fill("MANAG");
  await expect(page.getByTestId("library-row")).toHaveCount(1);
  await page.screenshot({ path: `${screenshots}/agent-library.png` });

  // A new workflow holding only the shared agent: one collapsed node, pinned to v1, ready to run.
  await page.getByRole("link", { name: "Workflows" }).click();
  await openNewWorkflow(page, "Uses the shared team");
  const workflowUrl = page.url();
  const palette = page.getByRole("navigation", { name: "Palette" });
  const entry = palette.locator('[data-testid^="palette-library-"]').filter({ hasText: "manager" });
  await expect(entry).toContainText("Shared agent, v1");
  await dragOntoCanvas(page, entry, 300, 200);
  await expect(page.locator(".react-flow__node")).toHaveCount(1);
  const pinned = nodeOf(page, "agent");
  await expect(pinned).toContainText("Library agent");
  await expect(pinned.getByTestId("node-agent")).toHaveAttribute("data-validation", "ok");
  await pinned.click();
  const details = page.getByTestId("library-agent-details");
  await expect(details.getByTestId("library-version")).toHaveValue("1");
  await details.getByTestId("library-agent-expand").click();
  await expect(details.getByTestId("library-agent-view")).toContainText("researcher");
  await expect(details.getByTestId("library-agent-view")).toContainText("analyst");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  await page.screenshot({ path: `${screenshots}/agent-library-node.png` });

  // It runs exactly what was shared: the replayed manager, researcher and analyst.
  await page.getByTestId("run-button").click();
  const dialog = page.getByRole("dialog", { name: /Run “Uses the shared team”/ });
  await dialog.getByLabel("Task").fill("Compare Stockholm, Oslo and Copenhagen");
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  const timeline = page.getByTestId("run-timeline");
  await expect(timeline.getByTestId("final-answer").last()).toContainText("Stockholm is the largest", {
    timeout: 90_000,
  });
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded");
  await expect(timeline.locator('[data-agent-path="manager/researcher"]')).toBeVisible();

  // A changed manager shared as v2: the pinned node shows "update available" and upgrades in one click.
  await openDemo(page);
  await nodeOf(page, "agent").filter({ hasText: "manager" }).click();
  await inspector.getByTestId("field-description").fill("Leads a researcher and an analyst");
  await inspector.getByTestId("share-agent-message").fill("Says whom it leads");
  await inspector.getByTestId("share-agent-button").click();
  await expect(inspector.getByTestId("share-result")).toHaveText("Shared as v2");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  await page.goto(workflowUrl);
  const upgraded = nodeOf(page, "agent");
  await expect(upgraded.getByTestId("node-update-available")).toHaveText("Update available: v2");
  await upgraded.click();
  await page.getByTestId("library-agent-details").getByTestId("library-upgrade").click();
  await expect(upgraded.getByTestId("node-update-available")).toHaveCount(0);
  await expect(page.getByTestId("library-version")).toHaveValue("2");
  await expect(upgraded).toContainText("Leads a researcher and an analyst");

  // Forked, it becomes ordinary editable nodes: the manager with its model, sandbox and agents.
  await page.getByTestId("library-agent-details").getByTestId("library-fork").click();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await expect(nodeOf(page, "agent").filter({ hasText: "Library agent" })).toHaveCount(0);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
});
