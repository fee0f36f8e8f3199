import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";
import { trpc } from "./helpers/trpc";
import { codeAnswer, replayCodeAgentWorkflow } from "./helpers/workflows";

/**
 * Evaluation in the browser, end to end on the embedded server: two runs of a workflow become the
 * cases of a new test set from their run pages (one frozen as a regression case), two saved versions
 * — one answering right, one wrong — are evaluated from the set page, the results arrive live, and
 * the comparison marks the better version best, shows a case's traces side by side, and reloads to
 * the same view from its URL.
 */

test.setTimeout(300_000);

/** One CodeAgent in Pyodide on scripted model answers that end with `answer` (each answer 1.5 s after the last). */
function answeringWorkflow(answer: string) {
  return replayCodeAgentWorkflow(
    { name: "greeter", description: "Says hello.", maxSteps: 4 },
    {
      latencyMs: 1500,
      transcript: [
        codeAnswer("I work out the greeting.", 'greeting = "hello" + " world"\nprint(greeting)'),
        codeAnswer("I answer.", `final_answer(${JSON.stringify(answer)})`),
      ],
    },
  );
}

type RunInfo = { status: string; output: unknown };

test("runs become test cases, two versions are evaluated live and compared side by side", async ({
  page,
}) => {
  await signUp(page, newAccount("Eval Person"), { timeout: 60_000 });
  const team = await trpc<{ id: string }>(page, "team.current", undefined, "GET");
  const workflow = await trpc<{ id: string }>(page, "workflow.create", { teamId: team.id, name: "Greeter" });
  const right = await trpc<{ revision: number }>(page, "workflow.saveGraph", {
    workflowId: workflow.id,
    revision: 0,
    graph: answeringWorkflow("hello world"),
  });
  await trpc(page, "workflow.saveVersion", {
    workflowId: workflow.id,
    revision: right.revision,
    message: "right",
  });

  // Two runs of the first version's graph, to turn into cases.
  const runIds: string[] = [];
  for (const task of ["Greet the world.", "Say hello to everyone."]) {
    const run = await trpc<{ runId: string }>(page, "run.start", { workflowId: workflow.id, task });
    runIds.push(run.runId);
  }
  for (const runId of runIds) {
    await expect
      .poll(async () => (await trpc<RunInfo>(page, "run.get", { runId }, "GET")).status, { timeout: 120_000 })
      .toBe("succeeded");
  }
  // The second version answers wrong.
  const wrong = await trpc<{ revision: number }>(page, "workflow.saveGraph", {
    workflowId: workflow.id,
    revision: right.revision,
    graph: answeringWorkflow("goodbye"),
  });
  await trpc(page, "workflow.saveVersion", {
    workflowId: workflow.id,
    revision: wrong.revision,
    message: "wrong",
  });

  // The first run becomes a frozen case of a new set, from its run page.
  await page.goto(`/runs/${runIds[0]}`);
  await page.getByRole("button", { name: "Add to test set" }).click();
  let dialog = page.getByRole("dialog", { name: "Add to test set" });
  await dialog.getByLabel("Test set", { exact: true }).selectOption({ label: "New test set…" });
  await dialog.getByLabel("New test set name").fill("Greetings");
  await dialog.getByLabel("Key").fill("greet-world");
  await expect(dialog.getByLabel("Expected answer", { exact: true })).toHaveValue("hello world");
  await dialog.getByLabel(/Freeze as regression case/).check();
  await dialog.getByRole("button", { name: "Add case" }).click();
  await expect(page.getByRole("dialog", { name: "Added to the test set" })).toBeVisible();
  await page.keyboard.press("Escape");

  // The second run joins the same set, not frozen.
  await page.goto(`/runs/${runIds[1]}`);
  await page.getByRole("button", { name: "Add to test set" }).click();
  dialog = page.getByRole("dialog", { name: "Add to test set" });
  await expect(dialog.getByLabel("Test set", { exact: true })).toHaveValue(/.+/);
  await expect(dialog.getByLabel("Test set", { exact: true }).locator("option:checked")).toHaveText(
    /Greetings/,
  );
  await dialog.getByLabel("Key").fill("greet-everyone");
  await dialog.getByRole("button", { name: "Add case" }).click();
  await page.getByRole("link", { name: "Open the test set" }).click();
  await expect(page).toHaveURL(/\/evals\/sets\/[a-z0-9]+$/, { timeout: 60_000 });

  const rows = page.getByTestId("case-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "greet-world" }).getByTestId("replay-badge")).toBeVisible();
  await expect(rows.filter({ hasText: "greet-everyone" }).getByTestId("replay-badge")).toHaveCount(0);
  await expect(rows.filter({ hasText: "greet-everyone" })).toContainText("equals “hello world”");

  // A case's checks are checked in the browser with the set's schema before anything is sent.
  await page.getByRole("button", { name: "Add case" }).click();
  const caseDialog = page.getByRole("dialog", { name: "Add a case" });
  await caseDialog.getByLabel("Key").fill("has space");
  await caseDialog.getByRole("button", { name: "Save case" }).click();
  await expect(caseDialog.getByText("Case ids are letters, digits, and . _ - : (no spaces).")).toBeVisible();
  await expect(caseDialog.getByText("Give the case a task.")).toBeVisible();
  // Any check can be written as JSON; the schema's message shows under it.
  await caseDialog.getByRole("button", { name: "Add check" }).click();
  const pythonCheck = caseDialog.getByTestId("check-editor").nth(1);
  await pythonCheck.getByLabel("Check 2 kind").selectOption("python");
  await pythonCheck.getByLabel("Check 2 as JSON").fill('{ "kind": "python", "source": "x = 1" }');
  await caseDialog.getByRole("button", { name: "Save case" }).click();
  await expect(pythonCheck.getByRole("alert")).toContainText("source: ");
  await caseDialog.getByRole("button", { name: "Cancel" }).click();
  await expect(rows).toHaveCount(2);

  // A numeric case is saved from the form, shown, and deleted again.
  await page.getByRole("button", { name: "Add case" }).click();
  const numericDialog = page.getByRole("dialog", { name: "Add a case" });
  await numericDialog.getByLabel("Key").fill("count-three");
  await numericDialog.getByLabel("Task").fill("Count to three.");
  await numericDialog.getByLabel("Check 1 kind").selectOption("numeric");
  await numericDialog.getByLabel("Expected number", { exact: true }).fill("3");
  await numericDialog.getByLabel("Tolerance", { exact: true }).fill("0.5");
  await numericDialog.getByRole("button", { name: "Save case" }).click();
  await expect(numericDialog).toBeHidden();
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "count-three" })).toContainText("≈ 3 ± 0.5");
  await page.getByRole("button", { name: "Delete case count-three" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Delete case" }).click();
  await expect(rows).toHaveCount(2);

  // A file with problems is refused as a whole, its problems listed by line and field.
  await page.getByRole("button", { name: "Import" }).click();
  const importDialog = page.getByRole("dialog", { name: "Import cases" });
  await importDialog.locator('input[type="file"]').setInputFiles({
    name: "more.jsonl",
    mimeType: "application/x-ndjson",
    buffer: Buffer.from('{"id":"fine","task":"Wave."}\n{"id":"bad one","task":"Bow."}\nnot json\n'),
  });
  await importDialog.getByRole("button", { name: "Import" }).click();
  const problems = importDialog.getByTestId("import-problems");
  await expect(problems).toContainText("more.jsonl cannot be imported:");
  await expect(problems.locator("li")).toHaveCount(2);
  await expect(problems.locator("li").first()).toContainText("line 2, field id");
  await expect(problems.locator("li").nth(1)).toContainText("line 3");
  await page.keyboard.press("Escape");
  await expect(rows).toHaveCount(2);

  // Evaluate both versions, one case at a time so the results arrive one by one.
  const panel = page.getByTestId("evaluate-panel");
  await panel.getByLabel("Workflow").selectOption({ label: "Greeter" });
  await panel.getByLabel(/^v1/).check();
  await panel.getByLabel(/^v2/).check();
  await panel.getByLabel("Cases at once").fill("1");
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/eval-set.png` });
  await panel.getByRole("button", { name: "Evaluate 2 versions" }).click();
  // Navigations render on the server, slow on a busy machine.
  await expect(page).toHaveURL(/\/evals\/compare\?ids=[a-z0-9]+,[a-z0-9]+$/, { timeout: 60_000 });
  const compareUrl = page.url();
  const [, idsText] = compareUrl.match(/ids=([^&]+)/) ?? [];
  const [firstEval, secondEval] = (idsText ?? "").split(",");

  // The second version's evaluation, live: cases finish one after the other.
  await page.goto(`/evals/runs/${secondEval}`);
  const progress = page.getByRole("progressbar", { name: "Cases done" });
  await expect(progress).toBeVisible();
  await expect(page.locator('[data-testid="eval-case-row"][data-status="running"]')).toBeVisible({
    timeout: 60_000,
  });
  await page.screenshot({ path: `${screenshots}/eval-live.png` });
  await expect(page.getByTestId("eval-status")).toHaveAttribute("data-status", "finished", {
    timeout: 120_000,
  });
  await expect(progress).toHaveAttribute("aria-valuenow", "2");
  await expect(page.getByTestId("figure-pass-rate")).toContainText("50% (1/2)");
  const failing = page.locator('[data-testid="eval-case-row"][data-key="greet-everyone"]');
  await expect(failing.getByTestId("verdict")).toHaveAttribute("data-verdict", "fail");
  await expect(failing.locator('[data-testid="check-result"][data-passed="false"]')).toContainText("goodbye");
  await expect(failing.getByTestId("case-answer")).toHaveText("goodbye");
  // The frozen case replays the recorded answers, so the wrong version still passes it.
  const frozen = page.locator('[data-testid="eval-case-row"][data-key="greet-world"]');
  await expect(frozen.getByTestId("verdict")).toHaveAttribute("data-verdict", "pass");
  await expect(failing.getByRole("link", { name: "open run" })).toHaveAttribute("href", /\/runs\/[a-z0-9]+$/);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/eval-finished.png` });

  // The comparison: the first version is best on pass rate and wins.
  await page.goto(compareUrl);
  await expect(page.getByTestId("eval-status")).toHaveCount(2);
  for (const status of await page.getByTestId("eval-status").all()) {
    await expect(status).toHaveAttribute("data-status", "finished", { timeout: 120_000 });
  }
  const passRow = page.getByTestId("figure-row-passRate");
  await expect(passRow.locator("td").nth(1)).toHaveAttribute("data-best", "true");
  await expect(passRow.locator("td").nth(1)).toContainText("100% (2/2)");
  await expect(passRow.locator("td").nth(2)).toContainText("50% (1/2)");
  await expect(passRow.locator("td").nth(2)).not.toHaveAttribute("data-best", "true");
  await expect(page.getByTestId("winner")).toHaveCount(1);
  await expect(page.locator("th[data-winner]")).toContainText("Greeter v1");
  await expect(page.getByTestId("compare-charts").locator(".recharts-bar-rectangle").first()).toBeVisible();
  const differing = page.locator('[data-testid="compare-case-row"][data-differs]');
  await expect(differing).toHaveCount(1);
  await expect(differing).toHaveAttribute("data-key", "greet-everyone");
  await page.getByLabel("Only differing").check();
  await expect(page.getByTestId("compare-case-row")).toHaveCount(1);
  await differing.getByRole("button", { name: /greet-everyone/ }).click();
  const sides = page.getByTestId("side-column");
  await expect(sides).toHaveCount(2);
  await expect(sides.nth(0).getByTestId("trace-step")).toHaveCount(2);
  await expect(sides.nth(1).getByTestId("trace-step").nth(1)).toContainText('final_answer("goodbye")');
  const marked = page.locator('[data-testid="trace-step"][data-first-difference]');
  await expect(marked).toHaveCount(2);
  await expect(marked.first()).toContainText("step 2");
  expect(firstEval).toBeTruthy();
  await expect(page).toHaveURL(/only=differing/);
  await expect(page).toHaveURL(/case=greet-everyone/);
  await page.getByRole("heading", { name: "Compare evaluations" }).scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/eval-compare.png` });
  await page.getByTestId("side-by-side").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${screenshots}/eval-compare-traces.png` });

  // The URL is the view: a reload opens the same filter and the same expanded case.
  await page.reload();
  await expect(page.getByLabel("Only differing")).toBeChecked();
  await expect(page.getByTestId("compare-case-row")).toHaveCount(1);
  await expect(page.getByTestId("side-column")).toHaveCount(2);
  await expect(page.locator('[data-testid="trace-step"][data-first-difference]')).toHaveCount(2);
});
