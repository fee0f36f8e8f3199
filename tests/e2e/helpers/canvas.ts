import { expect, type Locator, type Page } from "@playwright/test";
import { newAccount, signUp } from "./accounts";

/** Create a workflow from the workflows page; the app opens its canvas. */
export async function openNewWorkflow(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: "New workflow" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create workflow" }).click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);
  await expect(page.getByTestId("canvas")).toBeVisible();
}

/** Sign up a new person, create a workflow and fill it from a starter template; waits until it is saved. */
export async function newWorkflowFromTemplate(
  page: Page,
  setup: { person: string; workflow: string; template: string },
): Promise<void> {
  await signUp(page, newAccount(setup.person));
  await openNewWorkflow(page, setup.workflow);
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByTestId(`template-${setup.template}`).click();
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
}

/** Drag a palette entry onto the canvas at (x, y) of the canvas box. */
export async function dragOntoCanvas(page: Page, entry: Locator, x: number, y: number): Promise<void> {
  await entry.dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

async function center(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error("not visible");
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Draw a connection from an agent's port to another node's input, with the mouse. */
export async function connect(page: Page, from: Locator, port: string, to: Locator): Promise<void> {
  const start = await center(from.locator(`.react-flow__handle[data-handleid="${port}"]`));
  const end = await center(to.locator(".react-flow__handle.target"));
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await page.mouse.up();
}

/** The React Flow nodes of one kind. */
export const nodeOf = (page: Page, kind: string): Locator => page.locator(`.react-flow__node-${kind}`);
