import { expect, type Page, test } from "@playwright/test";
import { exportWorkflow } from "../../src/graph";
import { largeWorkflow } from "../helpers/large-workflow";
import { newAccount, signUp } from "./helpers/accounts";
import { openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

/** Every rendered node's id and position in flow coordinates (from React Flow's transform). */
async function flowPositions(page: Page): Promise<Map<string, { x: number; y: number }>> {
  const entries = await page.locator(".react-flow__node").evaluateAll((elements) =>
    elements.map((element) => {
      const match = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec((element as HTMLElement).style.transform);
      return [
        element.getAttribute("data-id") ?? "",
        { x: Number(match?.[1]), y: Number(match?.[2]) },
      ] as const;
    }),
  );
  return new Map(entries);
}

/** The screen box of all rendered nodes together. */
async function nodesBox(page: Page) {
  return page.locator(".react-flow__node").evaluateAll((elements) => {
    const boxes = elements.map((e) => e.getBoundingClientRect());
    const left = Math.min(...boxes.map((b) => b.left));
    const top = Math.min(...boxes.map((b) => b.top));
    return {
      left,
      top,
      right: Math.max(...boxes.map((b) => b.right)),
      bottom: Math.max(...boxes.map((b) => b.bottom)),
    };
  });
}

test("a 5,000-node import warns; auto-layout runs off the main thread with progress, can be cancelled, fits", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signUp(page, newAccount("Large Graph Tester"));
  await openNewWorkflow(page, "Five thousand");
  const doc = largeWorkflow(10);
  expect(doc.nodes).toHaveLength(5000);
  const file = exportWorkflow(doc, { name: "Five thousand", description: "" });
  await page.getByTestId("import-input").setInputFiles({
    name: "five-thousand.troupe.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(file)),
  });

  // The import is accepted, with a word about its size.
  const warning = page.getByTestId("canvas-size-warning");
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(warning).toContainText("5,000 nodes");
  await expect(warning).toContainText("built for up to 1,000");
  await page.screenshot({ path: `${screenshots}/large-graph-import.png` });

  // Cancelled: the progress goes and nothing has moved. The page itself clicks Cancel the moment the
  // panel shows (a click from the test could come after a fast layout has finished).
  const before = await flowPositions(page);
  await page.evaluate(() => {
    new MutationObserver((_, observer) => {
      const cancel = document.querySelector<HTMLButtonElement>('[data-testid="layout-progress"] button');
      if (!cancel) return;
      observer.disconnect();
      cancel.click();
    }).observe(document.body, { subtree: true, childList: true });
  });
  await page.getByRole("button", { name: "Auto-layout" }).click();
  await expect(page.getByText("Auto-layout cancelled; nothing was moved.")).toBeVisible();
  const progress = page.getByTestId("layout-progress");
  await expect(progress).toBeHidden();
  const afterCancel = await flowPositions(page);
  for (const [id, position] of afterCancel) {
    if (before.has(id)) expect(position, id).toEqual(before.get(id));
  }

  // Run again, to the end. The page notes when the layout's progress shows and goes and what its clock
  // says meanwhile; 50 ms into the layout it presses the Templates button, and notes when the menu opens.
  await page.evaluate(() => {
    const seen = { progressShown: 0, progressGone: 0, pressed: 0, menuShown: 0, clock: new Set<string>() };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    new MutationObserver(() => {
      const now = performance.now();
      const panel = document.querySelector('[data-testid="layout-progress-text"]');
      if (panel && !seen.progressShown) {
        seen.progressShown = now;
        setTimeout(() => {
          seen.pressed = performance.now();
          document
            .querySelector('button[aria-label="Templates"]')
            ?.dispatchEvent(
              new PointerEvent("pointerdown", { bubbles: true, button: 0, pointerType: "mouse" }),
            );
        }, 50);
      }
      if (panel) seen.clock.add(panel.textContent ?? "");
      if (!panel && seen.progressShown && !seen.progressGone) seen.progressGone = now;
      if (document.querySelector('[role="menu"]') && !seen.menuShown) seen.menuShown = now;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole("button", { name: "Auto-layout" }).click();
  await expect(page.getByRole("menu")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/large-graph-layout-progress.png` });
  await page.keyboard.press("Escape");
  // Run to the end: the graph is laid out in a block, not in one row, and the view fits it.
  await expect(progress).toBeHidden({ timeout: 180_000 });
  const seen = await page.evaluate(() => {
    const s = (
      window as unknown as {
        __seen: { progressGone: number; pressed: number; menuShown: number; clock: Set<string> };
      }
    ).__seen;
    return {
      progressGone: s.progressGone,
      pressed: s.pressed,
      menuShown: s.menuShown,
      clockReadings: s.clock.size,
    };
  });
  // The press was handled while the layout ran, and the progress clock kept ticking.
  expect(seen.pressed).toBeGreaterThan(0);
  expect(seen.menuShown).toBeGreaterThan(0);
  expect(seen.menuShown).toBeLessThan(seen.progressGone);
  console.log(
    `layout ${Math.round(seen.progressGone - seen.pressed + 50)} ms; the menu opened ${Math.round(seen.menuShown - seen.pressed)} ms after the press`,
  );
  expect(seen.clockReadings).toBeGreaterThan(2);
  await expect
    .poll(async () => JSON.stringify((await flowPositions(page)).get("agent0")), { timeout: 60_000 })
    .not.toBe(JSON.stringify(before.get("agent0")));
  // The fit animates for 200 ms.
  await page.waitForTimeout(800);
  const laidOut = [...(await flowPositions(page)).values()];
  expect(laidOut.length).toBe(5000);
  const rows = new Set(laidOut.map((p) => Math.round(p.y)));
  expect(rows.size).toBeGreaterThan(10);
  const width = Math.max(...laidOut.map((p) => p.x)) - Math.min(...laidOut.map((p) => p.x));
  const height = Math.max(...laidOut.map((p) => p.y)) - Math.min(...laidOut.map((p) => p.y));
  expect(width / height).toBeLessThan(4);
  const pane = (await page.locator(".react-flow__pane").boundingBox())!;
  const box = await nodesBox(page);
  expect(box.left).toBeGreaterThanOrEqual(pane.x - 1);
  expect(box.top).toBeGreaterThanOrEqual(pane.y - 1);
  expect(box.right).toBeLessThanOrEqual(pane.x + pane.width + 1);
  expect(box.bottom).toBeLessThanOrEqual(pane.y + pane.height + 1);
  await page.screenshot({ path: `${screenshots}/large-graph-laid-out.png` });
});

test("click-to-add never drops a node on top of another, and an import fits the view", async ({ page }) => {
  await signUp(page, newAccount("Click Adder"));
  await openNewWorkflow(page, "Click to add");
  const items = [
    "code-agent",
    "code-agent",
    "openai-model",
    "builtin-web_search",
    "openai-model",
    "code-agent",
  ];
  const nodes = page.locator(".react-flow__node");
  for (const [i, item] of items.entries()) {
    await page.getByTestId(`palette-${item}`).click();
    await expect(nodes).toHaveCount(i + 1);
    // The new node is selected, and in view: when the view has no room left, it moves to the node.
    await page.waitForTimeout(400);
    const pane = (await page.locator(".react-flow__pane").boundingBox())!;
    const added = (await page.locator(".react-flow__node.selected").boundingBox())!;
    expect(added.x, `node ${i + 1}`).toBeGreaterThanOrEqual(pane.x);
    expect(added.x + added.width, `node ${i + 1}`).toBeLessThanOrEqual(pane.x + pane.width);
    expect(added.y + added.height, `node ${i + 1}`).toBeLessThanOrEqual(pane.y + pane.height);
  }
  const boxes = await nodes.evaluateAll((elements) =>
    elements.map((e) => e.getBoundingClientRect().toJSON()),
  );
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as DOMRect;
      const b = boxes[j] as DOMRect;
      const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      expect(apart, `node ${i} and node ${j} overlap`).toBe(true);
    }
  }
  await page.screenshot({ path: `${screenshots}/click-to-add.png` });

  // A 500-node import lands in view: the whole graph fitted, not the corner the canvas was at.
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await expect(nodes).toHaveCount(0);
  const file = exportWorkflow(largeWorkflow(1), { name: "Five hundred", description: "" });
  await page.getByTestId("import-input").setInputFiles({
    name: "five-hundred.troupe.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(file)),
  });
  await expect(nodes).toHaveCount(500, { timeout: 30_000 });
  await page.waitForTimeout(800);
  const pane = (await page.locator(".react-flow__pane").boundingBox())!;
  const box = await nodesBox(page);
  expect(box.left).toBeGreaterThanOrEqual(pane.x - 1);
  expect(box.right).toBeLessThanOrEqual(pane.x + pane.width + 1);
  expect(box.bottom).toBeLessThanOrEqual(pane.y + pane.height + 1);
  expect(box.right - box.left).toBeGreaterThan(pane.width / 2);
});
