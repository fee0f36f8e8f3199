import { readFileSync } from "node:fs";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";

const screenshots = "docs/screenshots";

async function openNewWorkflow(page: Page, name: string) {
  await page.getByRole("button", { name: "New workflow" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create workflow" }).click();
  await expect(dialog).toBeHidden();
  await page.getByTestId("workflow-row").filter({ hasText: name }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await expect(page.getByTestId("canvas")).toBeVisible();
}

async function dragFromPalette(page: Page, item: string, x: number, y: number) {
  await page.getByTestId(`palette-${item}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

async function center(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error("not visible");
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Draw a connection from an agent's port to another node's input, with the mouse. */
async function connect(page: Page, from: Locator, port: string, to: Locator) {
  const start = await center(from.locator(`.react-flow__handle[data-handleid="${port}"]`));
  const end = await center(to.locator(".react-flow__handle.target"));
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await page.mouse.up();
}

const nodeOf = (page: Page, kind: string) => page.locator(`.react-flow__node-${kind}`);
const edges = (page: Page) => page.locator(".react-flow__edge");
const saved = (page: Page) => expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

test("build a workflow by drag and drop, validate, undo/redo, autosave, export and re-import", async ({
  page,
}) => {
  await signUp(page, newAccount("Canvas Tester"));
  await openNewWorkflow(page, "Research crew");
  await expect(page.getByTestId("issue-summary")).toContainText("1 problem");
  await page.screenshot({ path: `${screenshots}/canvas-empty.png` });

  // A CodeAgent and a model, dragged from the palette.
  await dragFromPalette(page, "code-agent", 280, 110);
  const agent = nodeOf(page, "agent");
  await expect(agent).toHaveCount(1);
  await expect(agent.getByTestId("node-agent")).toHaveAttribute("data-validation", "error");
  await expect(agent.getByTestId("node-issue")).toHaveText("Connect a model to this agent");
  await expect(page.getByTestId("run-button")).toBeDisabled();
  await expect(page.getByTestId("run-button-wrapper")).toHaveAttribute(
    "title",
    /Fix 1 problem before running/,
  );
  await dragFromPalette(page, "openai-model", 150, 400);
  const model = nodeOf(page, "model");
  await expect(model).toHaveCount(1);

  // Connecting them clears the agent's error.
  await connect(page, agent, "model", model);
  await expect(edges(page)).toHaveCount(1);
  await expect(agent.getByTestId("node-agent")).toHaveAttribute("data-validation", "ok");

  // A tool: connect it, undo the connection, redo it.
  await dragFromPalette(page, "builtin-web_search", 410, 400);
  const tool = nodeOf(page, "tool");
  await expect(tool.getByTestId("node-tool")).toHaveAttribute("data-validation", "warning");
  await connect(page, agent, "tools", tool);
  await expect(edges(page)).toHaveCount(2);
  await expect(tool.getByTestId("node-tool")).toHaveAttribute("data-validation", "ok");
  await page.locator(".react-flow__pane").click({ position: { x: 40, y: 300 } });
  await page.keyboard.press("Control+z");
  await expect(edges(page)).toHaveCount(1);
  await page.keyboard.press("Control+Shift+z");
  await expect(edges(page)).toHaveCount(2);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(edges(page)).toHaveCount(1);
  await page.getByRole("button", { name: "Redo" }).click();
  await expect(edges(page)).toHaveCount(2);

  // Instructions in the code editor; a bad name shows an error that goes away when fixed.
  await agent.click();
  const inspector = page.getByTestId("node-inspector");
  await expect(inspector).toHaveAttribute("data-node-type", "agent");
  await inspector
    .getByTestId("field-instructions")
    .locator(".cm-content")
    .fill("Search the web and cite sources.");
  await inspector.getByTestId("field-name").fill("research agent");
  await expect(inspector.getByTestId("field-issue")).toContainText("is not a Python identifier");
  await expect(agent.getByTestId("node-agent")).toHaveAttribute("data-validation", "error");
  await inspector.getByTestId("field-name").fill("researcher");
  await expect(inspector.getByTestId("field-issue")).toHaveCount(0);
  await expect(agent.getByTestId("node-agent")).toHaveAttribute("data-validation", "ok");
  await expect(agent).toContainText("Search the web and cite sources.");

  // The model names OPENAI_API_KEY, which this server does not have: its node says so, and Run
  // waits for it instead of starting a run that would stop at its first model call.
  await expect(model.getByTestId("node-model")).toHaveAttribute("data-validation", "error");
  await expect(model.getByTestId("node-issue")).toHaveText(
    "The secret OPENAI_API_KEY is not set on this server",
  );
  await expect(page.getByTestId("run-button")).toBeDisabled();
  await saved(page);
  await page.screenshot({ path: `${screenshots}/canvas-editing.png` });

  // Reload: the graph was autosaved.
  await page.reload();
  await expect(nodeOf(page, "agent")).toContainText("researcher");
  await expect(nodeOf(page, "agent")).toContainText("Search the web and cite sources.");
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await expect(edges(page)).toHaveCount(2);

  // Copy and paste an agent (fresh name), then undo the paste.
  await nodeOf(page, "agent").click();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await expect(page.locator(".react-flow__node")).toHaveCount(4);
  await expect(nodeOf(page, "agent").filter({ hasText: "researcher_2" })).toHaveCount(1);
  await page.keyboard.press("Control+z");
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await saved(page);

  // Export, clear the canvas, re-import the same graph.
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-button").click();
  const download = await downloading;
  const exportedPath = await download.path();
  const exported = JSON.parse(readFileSync(exportedPath, "utf8"));
  expect(exported).toMatchObject({ format: "troupe.workflow", name: "Research crew" });
  expect(exported.document.nodes).toHaveLength(3);
  expect(JSON.stringify(exported)).toContain("OPENAI_API_KEY");

  await page.locator(".react-flow__pane").click({ position: { x: 40, y: 300 } });
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await expect(page.locator(".react-flow__node")).toHaveCount(0);
  await page.getByTestId("import-input").setInputFiles(exportedPath);
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await expect(edges(page)).toHaveCount(2);
  await saved(page);

  const again = page.waitForEvent("download");
  await page.getByTestId("export-button").click();
  const reexported = JSON.parse(readFileSync(await (await again).path(), "utf8"));
  expect(reexported.document.nodes).toEqual(exported.document.nodes);
  expect(reexported.document.edges).toEqual(exported.document.edges);

  // Hostile files are refused and change nothing.
  const hostile = JSON.stringify(exported).replace('"maxSteps"', '"__proto__":{"admin":true},"maxSteps"');
  await page.getByTestId("import-input").setInputFiles({
    name: "hostile.json",
    mimeType: "application/json",
    buffer: Buffer.from(hostile),
  });
  await expect(page.getByTestId("import-error")).toContainText('forbidden key "__proto__"');
  await page.screenshot({ path: `${screenshots}/canvas-import-error.png` });
  await page.getByRole("button", { name: "OK" }).click();
  const deep = `{"nodes":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
  await page
    .getByTestId("import-input")
    .setInputFiles({ name: "deep.json", mimeType: "application/json", buffer: Buffer.from(deep) });
  await expect(page.getByTestId("import-error")).toContainText("deeper than 64");
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
});

test("templates, versions and restore; a stale tab gets a conflict and keeps its edits", async ({
  page,
  context,
}) => {
  await signUp(page, newAccount("Version Tester"));
  await openNewWorkflow(page, "Versioned crew");
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId("template-manager-researcher-analyst").click();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await saved(page);
  await page.getByRole("button", { name: "Fit view" }).click();
  await page.waitForTimeout(400); // the fit is animated (200 ms)
  await page.screenshot({ path: `${screenshots}/canvas-template.png` });

  await page.getByRole("button", { name: "Save version" }).click();
  await page.getByLabel("Version message").fill("Manager with two helpers");
  await page.getByRole("dialog").getByRole("button", { name: "Save version" }).click();
  await expect(page.getByText("Saved version 1.")).toBeVisible();

  // A second tab edits and saves first.
  const other = await context.newPage();
  await other.goto(page.url());
  await expect(other.locator(".react-flow__node")).toHaveCount(7);
  await other.locator(".react-flow__node-tool").click();
  await other.keyboard.press("Delete");
  await expect(other.locator(".react-flow__node")).toHaveCount(6);
  await saved(other);

  // This tab is now stale: its save is refused with a clear message and its edit stays.
  await page.locator(".react-flow__node-sandbox").click();
  await page.keyboard.press("Delete");
  await expect(page.getByTestId("save-problem")).toContainText("changed elsewhere");
  await expect(page.locator(".react-flow__node")).toHaveCount(6);
  await expect(page.locator(".react-flow__node-tool")).toHaveCount(1);
  await page.screenshot({ path: `${screenshots}/canvas-conflict.png` });
  await page.getByRole("button", { name: "Overwrite with mine" }).click();
  await saved(page);
  await other.reload();
  await expect(other.locator(".react-flow__node-tool")).toHaveCount(1);
  await expect(other.locator(".react-flow__node-sandbox")).toHaveCount(0);

  // History restores version 1.
  await page.getByRole("button", { name: "History" }).click();
  await expect(page.getByTestId("version-list")).toContainText("Manager with two helpers");
  await page.getByTestId("version-list").getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("Restored version 1.")).toBeVisible();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await page.reload();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
});

test("zoomed out, nodes show only their names, large; zoomed back in, their details return", async ({
  page,
}) => {
  await signUp(page, newAccount("Zoom Tester"));
  await openNewWorkflow(page, "Zoomed crew");
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId("template-manager-researcher-analyst").click();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await saved(page);
  const flow = page.locator(".react-flow");
  const manager = nodeOf(page, "agent").filter({ hasText: "manager" }).first();
  const details = manager.locator(".node-detail").first();
  const label = manager.locator(".node-overview-label");
  await expect(flow).not.toHaveClass(/canvas-overview/);
  await expect(details).toBeVisible();
  await expect(label).toBeHidden();
  const edgeCount = await edges(page).count();

  // Zoom out with the canvas's own control until text would be too small to read.
  for (let i = 0; i < 8 && !(await flow.getAttribute("class"))?.includes("canvas-overview"); i++) {
    await page.getByRole("button", { name: "Zoom Out" }).click();
  }
  await expect(flow).toHaveClass(/canvas-overview/);
  await expect(label).toBeVisible();
  await expect(label).toHaveText("manager");
  await expect(details).toBeHidden();
  // Same graph, same edges, nodes the same size (nothing is measured again).
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await expect(edges(page)).toHaveCount(edgeCount);
  await page.screenshot({ path: `${screenshots}/canvas-overview.png` });

  await page.getByRole("button", { name: "Fit view" }).click();
  await expect(flow).not.toHaveClass(/canvas-overview/);
  await expect(details).toBeVisible();
  await expect(label).toBeHidden();
});
