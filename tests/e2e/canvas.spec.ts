import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { estimatedGeometry } from "../../src/components/canvas/node-geometry";
import { type EdgeKind, edgeOfKind, type WorkflowDocument, type WorkflowNode } from "../../src/graph";
import { newAccount, signUp } from "./helpers/accounts";
import { connect, dragOntoCanvas, newWorkflowFromTemplate, nodeOf, openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

async function dragFromPalette(page: Page, item: string, x: number, y: number) {
  await dragOntoCanvas(page, page.getByTestId(`palette-${item}`), x, y);
}

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
    "The secret OPENAI_API_KEY is not set on this server: add it under Settings → Credentials",
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
  await newWorkflowFromTemplate(page, {
    person: "Version Tester",
    workflow: "Versioned crew",
    template: "manager-researcher-analyst",
  });
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
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
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Replace the canvas" }).click();
  await expect(page.getByText("Restored version 1.")).toBeVisible();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
  await page.reload();
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
});

test("zoomed out, nodes show only their names, large; zoomed back in, their details return", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Zoom Tester",
    workflow: "Zoomed crew",
    template: "manager-researcher-analyst",
  });
  await expect(page.locator(".react-flow__node")).toHaveCount(7);
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

/** One node of each shape NodeShell draws: agents with and without rows, every tool kind, models, sandboxes. */
function geometryWorkflow(): WorkflowDocument {
  const at = (i: number) => ({ x: (i % 4) * 260, y: Math.floor(i / 4) * 200 });
  const nodes = [
    {
      type: "agent",
      data: {
        name: "planner",
        agentType: "code",
        maxSteps: 10,
        planningInterval: 3,
        instructions: "Plan the work in small steps, check every answer twice and cite sources.",
      },
    },
    {
      type: "agent",
      data: { name: "caller", agentType: "toolCalling", maxSteps: 5, instructions: "Be brief." },
    },
    { type: "agent", data: { name: "bare", agentType: "code", maxSteps: 20 } },
    // The installation's own endpoint: a base URL elsewhere would need a secret of its own (an error).
    {
      type: "model",
      data: { provider: "openai", model: "gpt-4o-mini", baseUrl: "https://api.openai.com/v1" },
    },
    { type: "model", data: { provider: "hf", model: "Qwen/Qwen2.5-72B-Instruct", hfProvider: "together" } },
    { type: "tool", data: { kind: "builtin", name: "web_search" } },
    {
      type: "tool",
      data: {
        kind: "python",
        name: "add",
        description: "Adds.",
        source: "def add(a: int, b: int) -> int:\n    return a + b\n",
      },
    },
    { type: "tool", data: { kind: "http", name: "weather", method: "GET", url: "https://example.com/w" } },
    { type: "mcp", data: { name: "files", url: "https://example.com/mcp", tools: ["read_file"] } },
    { type: "sandbox", data: { kind: "pyodide" } },
    { type: "sandbox", data: { kind: "docker", image: "python:3.12-slim" } },
  ];
  const edges: [EdgeKind, number, number][] = [
    ["manages", 0, 1],
    ["manages", 0, 2],
    ["uses-model", 0, 3],
    ["uses-model", 1, 4],
    ["uses-model", 2, 3],
    ["uses-tool", 1, 5],
    ["uses-tool", 1, 6],
    ["uses-tool", 1, 7],
    ["uses-tool", 2, 8],
    ["runs-in", 0, 9],
    ["runs-in", 2, 10],
  ];
  return {
    version: 1,
    nodes: nodes.map((n, i) => ({ id: `n${i}`, position: at(i), ...n })) as WorkflowNode[],
    edges: edges.map(([kind, from, to]) => edgeOfKind(kind, `n${from}`, `n${to}`)),
    viewport: { x: 0, y: 0, zoom: 1 },
  } as unknown as WorkflowDocument;
}

test("nodes are drawn where their estimated size and ports said, so unrendered nodes' edges are right", async ({
  page,
}) => {
  await signUp(page, newAccount("Geometry Tester"));
  const call = async <T>(path: string, input: unknown): Promise<T> => {
    const response = await page.request.post(`/api/trpc/${path}`, {
      data: { json: input },
      headers: { origin: new URL(page.url()).origin },
    });
    expect(response.ok(), await response.text()).toBe(true);
    return (await response.json()).result.data.json as T;
  };
  const team = (await (await page.request.get("/api/trpc/team.current")).json()).result.data.json as {
    id: string;
  };
  const workflow = await call<{ id: string }>("workflow.create", { teamId: team.id, name: "Shapes" });
  const doc = geometryWorkflow();
  await call("workflow.saveGraph", { workflowId: workflow.id, revision: 0, graph: doc });
  await page.goto(`/workflows/${workflow.id}`);
  await expect(page.locator(".react-flow__node")).toHaveCount(doc.nodes.length);
  // A valid graph: a node's issue list (a node with problems) makes it taller than estimated until measured.
  await expect(page.locator('[data-validation="ok"]')).toHaveCount(doc.nodes.length);

  for (const node of doc.nodes) {
    const drawn = await page.locator(`.react-flow__node[data-id="${node.id}"]`).evaluate((element) => {
      const box = element.getBoundingClientRect();
      const zoom = box.width / (element as HTMLElement).offsetWidth;
      return {
        width: (element as HTMLElement).offsetWidth,
        height: (element as HTMLElement).offsetHeight,
        ports: [...element.querySelectorAll<HTMLElement>(".react-flow__handle")].map((handle) => {
          const b = handle.getBoundingClientRect();
          return {
            id: handle.dataset.handleid,
            x: (b.x - box.x) / zoom,
            y: (b.y - box.y) / zoom,
            size: b.width / zoom,
          };
        }),
      };
    });
    const estimate = estimatedGeometry(node);
    const label = `${node.type} ${node.id}`;
    expect(drawn.width, label).toBe(estimate.measured.width);
    // Ports decide where edges start and end: they must be exact (to rounding).
    expect(
      drawn.ports.map((p) => p.id),
      label,
    ).toEqual(estimate.handles.map((h) => h.id));
    for (const [i, handle] of estimate.handles.entries()) {
      const port = drawn.ports[i]!;
      expect(Math.abs(port.x - handle.x), `${label} port ${handle.id} x`).toBeLessThanOrEqual(1);
      expect(Math.abs(port.y - handle.y), `${label} port ${handle.id} y`).toBeLessThanOrEqual(1);
      expect(
        Math.abs(port.size - (handle.width ?? 0)),
        `${label} port ${handle.id} size`,
      ).toBeLessThanOrEqual(1);
    }
    // Other nodes' heights only size an unrendered node for culling, the minimap and fit view: a row or so.
    expect(
      Math.abs(drawn.height - estimate.measured.height),
      `${label} height ${drawn.height}`,
    ).toBeLessThanOrEqual(node.type === "agent" ? 1 : 20);
  }
});

test("autosave waits while a pointer is held (no save mid-gesture) and saves on release", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Gesture Tester",
    workflow: "Held pointer",
    template: "code-agent-web-search",
  });
  const status = page.getByTestId("save-status");

  // A change (a node moved), then at once a pan held well past the autosave delay.
  const agent = nodeOf(page, "agent").first();
  const box = (await agent.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + 40, { steps: 5 });
  await page.mouse.up();
  await expect(status).toHaveAttribute("data-state", "dirty");
  const pane = (await page.locator(".react-flow__pane").boundingBox())!;
  await page.mouse.move(pane.x + 30, pane.y + pane.height - 30);
  await page.mouse.down();
  for (let i = 0; i < 8; i++) {
    await page.mouse.move(pane.x + 30 + i * 5, pane.y + pane.height - 30 - i * 3);
    await page.waitForTimeout(250);
  }
  await expect(status).toHaveAttribute("data-state", "dirty");
  await page.mouse.up();
  await saved(page);
  // What was saved is the moved node.
  const workflowId = page.url().split("/").pop()!;
  const input = encodeURIComponent(JSON.stringify({ json: { workflowId } }));
  const stored = (await (await page.request.get(`/api/trpc/workflow.load?input=${input}`)).json()).result.data
    .json;
  const template = (await import("../../src/graph")).getTemplate("code-agent-web-search")!.document;
  const before = template.nodes.find((n) => n.type === "agent")!.position;
  const after = (stored.graph as WorkflowDocument).nodes.find((n) => n.type === "agent")!.position;
  expect(after.x - before.x).toBeGreaterThan(20);
});

test("a pressed node takes the pointer: a drag moves it, a click selects it, shift-click adds to the selection", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Pointer Tester",
    workflow: "Pointer capture",
    template: "code-agent-web-search",
  });
  const agent = nodeOf(page, "agent").first();
  const model = nodeOf(page, "model").first();

  // A drag that leaves the node behind the pointer still moves it (the moves go to the pressed node).
  const before = (await agent.boundingBox())!;
  await page.mouse.move(before.x + before.width / 2, before.y + 12);
  await page.mouse.down();
  await page.mouse.move(before.x + before.width / 2 + 150, before.y + 90, { steps: 10 });
  await page.mouse.up();
  const after = (await agent.boundingBox())!;
  expect(after.x - before.x).toBeGreaterThan(100);
  expect(after.y - before.y).toBeGreaterThan(60);

  // Bring every node out from under the palette and inspector, then select by clicking.
  await page.getByRole("button", { name: "Fit view", exact: true }).first().click();
  await expect(async () => {
    const box = (await model.boundingBox())!;
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(canvas.x);
  }).toPass();
  await model.click();
  await expect(model).toHaveClass(/selected/);
  await expect(agent).not.toHaveClass(/selected/);
  await expect(page.getByTestId("node-inspector")).toHaveAttribute("data-node-type", "model");
  await agent.click({ modifiers: ["Shift"] });
  await expect(agent).toHaveClass(/selected/);
  await expect(model).toHaveClass(/selected/);
});
