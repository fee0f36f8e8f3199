import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { connect, dragOntoCanvas, nodeOf, openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

test("share a python tool from the inspector, find it in the palette and the Library page, use it in another workflow", async ({
  page,
}) => {
  await signUp(page, newAccount("Library Tester"));
  await openNewWorkflow(page, "Toolsmith");
  const palette = page.getByRole("navigation", { name: "Palette" });
  await expect(palette).toContainText("Nothing shared yet.");

  // A python tool (the palette's template is complete), shared from its inspector.
  await dragOntoCanvas(page, page.getByTestId("palette-python-tool"), 300, 200);
  await nodeOf(page, "tool").click();
  const inspector = page.getByTestId("node-inspector");
  await expect(inspector).toHaveAttribute("data-node-type", "tool");
  await inspector.getByTestId("field-description").fill("Upper-cases text");
  const share = inspector.getByTestId("share-to-library");
  await expect(share).toContainText("Share this tool so every workflow of the team can use it.");
  await share.getByTestId("share-message").fill("Upper-cases its input");
  await share.getByTestId("share-button").click();
  await expect(share.getByTestId("share-result")).toHaveText("Shared as v1");
  await expect(share).toContainText('Sharing a changed "my_tool" adds version 2');

  // The palette's Library section offers it at once.
  const shared = palette.locator('[data-testid^="palette-library-"]').filter({ hasText: "my_tool" });
  await expect(palette.locator('[data-testid^="palette-library-"]')).toHaveCount(1);
  await expect(shared).toContainText("my_tool");
  await expect(shared).toContainText("Shared tool, v1");

  // An HTTP tool cannot be shared while its URL is incomplete; once it is, it can.
  await dragOntoCanvas(page, page.getByTestId("palette-http-tool"), 200, 450);
  await nodeOf(page, "tool").filter({ hasText: "http_tool" }).click();
  await expect(inspector.getByTestId("share-button")).toBeDisabled();
  await expect(inspector.getByTestId("share-blocked")).toHaveText(
    "Before sharing: The HTTP tool needs an http(s) URL.",
  );
  await inspector.getByTestId("field-name").fill("get_weather");
  await inspector.getByTestId("field-description").fill("Today's weather in London, in one line");
  await inspector.getByTestId("field-url").fill("https://wttr.in/London?format=3");
  await inspector.getByTestId("share-message").fill("Plain-text forecast from wttr.in");
  await inspector.getByTestId("share-button").click();
  await expect(inspector.getByTestId("share-result")).toHaveText("Shared as v1");
  await expect(palette.locator('[data-testid^="palette-library-"]')).toHaveCount(2);

  // The Library page lists them, with their versions and messages.
  await page.getByRole("link", { name: "Library" }).click();
  await expect(page).toHaveURL(/\/library$/);
  const row = page.getByTestId("library-row").filter({ hasText: "my_tool" });
  await expect(row).toContainText("Python");
  await expect(row).toContainText("v1");
  await expect(row).toContainText("(1 version)");
  await expect(row).toContainText("Library Tester");
  await expect(row).toContainText("Upper-cases text");
  await expect(page.getByTestId("library-row").filter({ hasText: "get_weather" })).toContainText("HTTP");
  await row.getByRole("button", { name: /^my_tool/ }).click();
  const version = row.getByTestId("library-version-row");
  await expect(version).toContainText("Upper-cases its input");
  await expect(version).toContainText("def my_tool(text: str) -> str:");
  await page.screenshot({ path: `${screenshots}/library.png` });

  // A new workflow: agent, a replay model (no secret needed) and the shared tool, dragged in.
  await page.getByRole("link", { name: "Workflows" }).click();
  await openNewWorkflow(page, "Uses the library");
  await dragOntoCanvas(page, page.getByTestId("palette-code-agent"), 280, 110);
  await dragOntoCanvas(page, page.getByTestId("palette-openai-model"), 150, 400);
  await dragOntoCanvas(
    page,
    palette.locator('[data-testid^="palette-library-"]').filter({ hasText: "my_tool" }),
    430,
    400,
  );
  const agent = nodeOf(page, "agent");
  const model = nodeOf(page, "model");
  const tool = nodeOf(page, "tool");
  await connect(page, agent, "model", model);
  await connect(page, agent, "tools", tool);
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await model.click();
  await page.getByTestId("node-inspector").getByTestId("field-provider").selectOption("replay");
  // A replay model without recorded answers is a problem on the canvas; record one.
  await expect(model.getByText("A replay model needs at least one recorded answer")).toBeVisible();
  const transcript = page.getByTestId("node-inspector").getByTestId("field-transcript");
  await transcript.fill(`["final_answer(my_tool('ok'))"]`);
  await transcript.blur();
  await expect(model.getByText("A replay model needs at least one recorded answer")).toHaveCount(0);

  // The library node validates clean; so does the whole workflow.
  await expect(tool.getByTestId("node-tool")).toHaveAttribute("data-validation", "ok");
  await tool.click();
  const details = page.getByTestId("library-tool-details");
  await expect(details).toContainText("my_tool");
  await expect(details.getByTestId("library-version")).toHaveValue("1");
  await expect(details).toContainText("def my_tool(text: str) -> str:");
  await expect(details.getByTestId("library-update-available")).toHaveCount(0);
  await page.screenshot({ path: `${screenshots}/library-node.png` });
  await page.locator(".react-flow__pane").click({ position: { x: 40, y: 300 } });
  await expect(page.getByTestId("issue-summary")).toHaveText("No problems found. Select a node to edit it.");
  await expect(page.getByTestId("run-button")).toBeEnabled();
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  // Reloaded, the server agrees: the stored graph has no problems either.
  await page.reload();
  await expect(nodeOf(page, "tool").getByTestId("node-tool")).toHaveAttribute("data-validation", "ok");
  await expect(page.getByTestId("issue-summary")).toHaveText("No problems found. Select a node to edit it.");
});
