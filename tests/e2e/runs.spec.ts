import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";
import { trpc } from "./helpers/trpc";
import { codeAnswer, replayCodeAgentWorkflow } from "./helpers/workflows";

/**
 * Runs, end to end on the embedded server (in-process queue and worker, Pyodide): the seeded demo
 * workflow started from the canvas streams a complete run with tokens and cost; a slow run shows
 * its steps while it is still running and is cancelled from the run page; the runs list and charts.
 */

test.setTimeout(180_000);

/** One CodeAgent on recorded answers whose second action sleeps for a minute in Pyodide. */
function slowWorkflow() {
  return replayCodeAgentWorkflow(
    { name: "sleeper", description: "Counts slowly.", maxSteps: 5 },
    {
      transcript: [
        codeAnswer("I warm up for a moment.", 'import time\ntime.sleep(2)\nprint("warmed up")'),
        codeAnswer("Now I wait for a long time.", "time.sleep(60)"),
        codeAnswer("Done.", 'final_answer("slept")'),
      ],
    },
  );
}

test("the demo workflow runs from the canvas and streams a complete run with tokens and cost", async ({
  page,
}) => {
  await signUp(page, newAccount("Run Demo"));
  const demoRow = page.getByTestId("workflow-row").filter({ hasText: "Demo: research team" });
  await expect(demoRow).toBeVisible();
  await demoRow.getByRole("link").click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await expect(page.locator(".react-flow__node")).toHaveCount(7);

  await page.getByTestId("run-button").click();
  const dialog = page.getByRole("dialog", { name: /Run “Demo: research team”/ });
  await expect(dialog.getByLabel("Task")).toHaveValue(/Stockholm, Oslo and Copenhagen/);
  await page.screenshot({ path: `${screenshots}/runs-start-dialog.png` });
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);

  const timeline = page.getByTestId("run-timeline");
  await expect(timeline.getByTestId("code-action").first()).toBeVisible({ timeout: 60_000 });
  await expect(timeline.getByTestId("observation").first()).toBeVisible({ timeout: 60_000 });
  await expect(timeline.getByTestId("final-answer").last()).toContainText("Stockholm is the largest", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded");
  // The managed agents' runs are nested inside the manager's steps.
  await expect(timeline.locator('[data-agent-path="manager/researcher"]')).toBeVisible();
  await expect(timeline.locator('[data-agent-path="manager/analyst"]')).toBeVisible();
  await expect(
    timeline.locator('[data-agent-path="manager/researcher"]').getByTestId("tool-call"),
  ).toContainText("final_answer");
  await expect(timeline.getByTestId("plan")).toBeVisible();

  const tokens = Number(((await page.getByTestId("counter-tokens").textContent()) ?? "").replace(/,/g, ""));
  expect(tokens).toBeGreaterThan(0);
  const cost = ((await page.getByTestId("counter-cost").textContent()) ?? "").trim();
  expect(cost).toMatch(/^\$0\.\d{4}$/);
  expect(Number(cost.slice(1))).toBeGreaterThan(0);
  await expect(page.getByTestId("agent-usage")).toHaveCount(3);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/runs-demo.png` });
  await timeline
    .locator('[data-agent-path="manager/analyst"]')
    .getByTestId("code-action")
    .first()
    .scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${screenshots}/runs-demo-steps.png` });

  // Replay: the timeline restarts from nothing and plays back to the final answer. At ×1 the demo
  // plays for as long as it ran (replayed answers 600 ms apart, seconds in all), so the empty start
  // is observable even when a loaded machine polls the page slowly (at ×4 it was not always).
  const replayBar = page.getByTestId("replay-bar");
  await replayBar.getByRole("button", { name: "×1", exact: true }).click();
  await replayBar.getByRole("button", { name: "Replay" }).click();
  await expect(timeline.getByTestId("final-answer")).toHaveCount(0);
  await expect(timeline.getByTestId("final-answer")).toHaveCount(3, { timeout: 120_000 });
  await expect(replayBar.getByRole("button", { name: "Play" })).toBeVisible({ timeout: 120_000 });

  // The stored totals match what the page counted live.
  await page.goto("/runs");
  const row = page.getByTestId("run-row").filter({ hasText: "Demo: research team" });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  await expect(row).toContainText(cost);
  await expect(row).toContainText(tokens.toLocaleString("en-US"));
  await expect(page.getByTestId("providers")).toContainText("the demo workflow runs without keys");
  await expect(page.getByTestId("run-charts").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/runs-list.png` });
});

test("a slow run shows its steps while running and is cancelled from the run page", async ({ page }) => {
  await signUp(page, newAccount("Run Cancel"));
  const team = await trpc<{ id: string }>(page, "team.current", undefined, "GET");
  const workflow = await trpc<{ id: string }>(page, "workflow.create", {
    teamId: team.id,
    name: "Slow counter",
  });
  await trpc(page, "workflow.saveGraph", { workflowId: workflow.id, revision: 0, graph: slowWorkflow() });

  await page.goto(`/workflows/${workflow.id}`);
  await page.getByTestId("run-button").click();
  const dialog = page.getByRole("dialog", { name: /Run “Slow counter”/ });
  await dialog.getByLabel("Task").fill("Count slowly.");
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);

  const status = page.getByTestId("run-status").first();
  const timeline = page.getByTestId("run-timeline");
  // The first step's output arrives live while the run goes on into its long second step.
  await expect(timeline.getByTestId("observation").first()).toContainText("warmed up", { timeout: 60_000 });
  await expect(timeline.getByTestId("code-action").nth(1)).toContainText("time.sleep(60)");
  await expect(status).toHaveAttribute("data-status", "running");
  await expect(page.getByText("live", { exact: true })).toBeVisible();
  await page.screenshot({ path: `${screenshots}/runs-live.png` });

  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Cancel run" }).click();
  await expect(status).toHaveAttribute("data-status", "cancelled", { timeout: 10_000 });
  await expect(page.getByRole("alert").filter({ hasText: "Cancelled" })).toBeVisible();
  await expect(timeline.getByTestId("final-answer")).toHaveCount(0);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/runs-cancelled.png` });

  await page.goto("/runs");
  await page.getByLabel("State").selectOption("cancelled");
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(page.getByTestId("run-row")).toContainText("Slow counter");
  await page.getByLabel("State").selectOption("succeeded");
  await expect(page.getByText("No runs match these filters")).toBeVisible();

  // The team's price table: an owner prices a model of their own, then removes it.
  const prices = page.getByTestId("price-table");
  await prices.locator("summary").click();
  await expect(prices.getByRole("row").filter({ hasText: "gpt-4o-mini" })).toContainText("list price");
  await prices.getByLabel("Model id").fill("acme/local-llm");
  await prices.getByLabel("Input price").fill("0.5");
  await prices.getByLabel("Output price").fill("1.5");
  await prices.getByRole("button", { name: "Set price" }).click();
  const own = prices.getByRole("row").filter({ hasText: "acme/local-llm" });
  await expect(own).toContainText("your team");
  await expect(own).toContainText("$1.5");
  await expect(prices.locator("summary")).toContainText("1 set by your team");
  await own.getByRole("button", { name: "Remove the price of acme/local-llm" }).click();
  await expect(own).toHaveCount(0);
});

test("a run that does not exist is a page with a way back, not a bare error", async ({ page }) => {
  await signUp(page, newAccount("Run Missing"));
  const response = await page.goto("/runs/cnotarunatall0000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to workflows" }).click();
  await expect(page).toHaveURL(/\/workflows$/);
});
