import { expect, type Page, test } from "@playwright/test";
import { getTemplate, type WorkflowDocument } from "../../src/graph";
import { newWorkflowFromTemplate, nodeOf } from "./helpers/canvas";

/** The agent node's position as the server stores it. */
async function storedAgentX(page: Page, workflowId: string): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ json: { workflowId } }));
  const response = await page.request.get(`/api/trpc/workflow.load?input=${input}`);
  const graph = (await response.json()).result.data.json.graph as WorkflowDocument;
  return graph.nodes.find((node) => node.type === "agent")!.position.x;
}

/** Drag the agent node sideways; the edit is pending (not yet saved) when this returns. */
async function moveAgent(page: Page, dx: number) {
  const agent = nodeOf(page, "agent").first();
  const box = (await agent.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + dx, box.y + 12, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "dirty");
}

test("an edit followed at once by leaving the page is saved: a link in the app, then leaving the site", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Hasty Editor",
    workflow: "Leaves quickly",
    template: "code-agent-web-search",
  });
  const url = page.url();
  const workflowId = url.split("/").pop()!;
  const templateX = getTemplate("code-agent-web-search")!.document.nodes.find((n) => n.type === "agent")!
    .position.x;

  // Within the autosave delay, a sidebar link: the app saves on the way out.
  await moveAgent(page, 80);
  await page.getByRole("link", { name: "Workflows", exact: true }).first().click();
  await expect(page).toHaveURL(/\/workflows$/);
  await expect.poll(() => storedAgentX(page, workflowId)).toBeGreaterThan(templateX + 40);
  const afterFirst = await storedAgentX(page, workflowId);

  // Back on the canvas, the edit is there; a second edit, then straight to another site's page.
  await page.goto(url);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  await moveAgent(page, 80);
  await page.goto("about:blank");
  await expect.poll(() => storedAgentX(page, workflowId)).toBeGreaterThan(afterFirst + 40);
});
