/**
 * Canvas bench: in Chromium, a 500-node / 600-edge workflow — time to interactive after
 * navigation, and frame times while dragging a node and while panning (p50/p95). Then
 * auto-layout of 500 and 5,000 nodes: wall time and the main thread's long tasks, through the canvas's
 * button (the layout worker), and ELK run once on the main thread in the same page as the canvas did
 * before.
 *
 *   BASE_URL=http://127.0.0.1:3201 npx tsx bench/canvas/run.ts
 *   RUNS=0 LAYOUT_SIZES=500,5000 …   # only the auto-layout measures
 *
 * Needs a running Troupe (`npm start`); signs up a fresh account, saves the workflow through tRPC
 * (which validates it server-side), then measures. Results go to bench/canvas/results.json.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { chromium, type Page } from "@playwright/test";
import { estimatedGeometry } from "~/components/canvas/node-geometry";
import { validateDocument, type WorkflowDocument } from "~/graph";
import { chromiumLaunchOptions } from "../../tests/helpers/chromium";
import { largeWorkflow } from "../../tests/helpers/large-workflow";

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3201";
const runs = Number(process.env.RUNS ?? 3);
/** When set, each interaction's CPU profile and trace (Chrome DevTools formats) are written here. */
const profileDir = process.env.PROFILE_DIR;
/** Extra CSS injected into the canvas page (for trying a rendering change without a rebuild). */
const extraCss = process.env.BENCH_CSS;
/** Busy-looping processes run beside the bench, standing in for a machine whose cores are shared. */
const busyCores = Number(process.env.BENCH_BUSY_CORES ?? 0);
/** Node counts of the auto-layout measures (copies of the 500-node workflow); empty: none. */
const layoutSizes = (process.env.LAYOUT_SIZES ?? "500,5000").split(",").filter(Boolean).map(Number);
/** How many times each auto-layout is measured. */
const layoutRuns = Number(process.env.LAYOUT_RUNS ?? 2);
/** Where the results go (default bench/canvas/results.json). */
const resultsPath = process.env.BENCH_OUT ?? new URL("./results.json", import.meta.url);

async function trpc<T>(page: Page, path: string, input: unknown): Promise<T> {
  const response = await page.request.post(`${baseURL}/api/trpc/${path}`, {
    data: { json: input },
    headers: { origin: new URL(baseURL).origin },
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${path} failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const round = (n: number) => Math.round(n * 10) / 10;
/**
 * Frame intervals summarised: quantiles, and the share of frames over the 33 ms budget. Intervals come
 * in vsync steps (16.7, 33.3, 50 ms, ± 0.1), so `over33ms` counts every frame that took two vsyncs or
 * more, and p95 < 33 ms holds exactly when it is under 5%.
 */
const frameStats = (frames: number[]) => ({
  p50: round(quantile(frames, 0.5)),
  p90: round(quantile(frames, 0.9)),
  p95: round(quantile(frames, 0.95)),
  max: round(Math.max(...frames)),
  over33ms: `${round((100 * frames.filter((f) => f > 33).length) / frames.length)}%`,
  frames: frames.length,
});

/** Record rAF-to-rAF intervals in the page until `stop` is called. */
async function startFrames(page: Page) {
  // A string, so the bundler's helpers (tsx adds `__name`) do not leak into the page.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = true;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
  })()`);
}
async function stopFrames(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames;
  });
}

async function findEmptyPanePoint(page: Page): Promise<{ x: number; y: number }> {
  const b = (await page.locator(".react-flow__pane").boundingBox())!;
  return page.evaluate(`(() => {
    for (let y = ${b.y} + 20; y < ${b.y + b.height} - 20; y += 15) {
      for (let x = ${b.x} + 20; x < ${b.x + b.width} - 200; x += 15) {
        const el = document.elementFromPoint(x, y);
        if (el && el.classList.contains("react-flow__pane")) return { x, y };
      }
    }
    throw new Error("no empty pane point");
  })()`);
}

/** The bounding box of the rendered node nearest the middle of the canvas (a third of the way down). */
async function middleNode(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  return page.evaluate(`(() => {
    const pane = document.querySelector(".react-flow__pane").getBoundingClientRect();
    const cx = pane.x + pane.width / 2, cy = pane.y + pane.height / 3;
    let best = null, bestDistance = Infinity;
    for (const el of document.querySelectorAll(".react-flow__node")) {
      const r = el.getBoundingClientRect();
      const distance = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
      if (distance < bestDistance) { bestDistance = distance; best = { x: r.x, y: r.y, width: r.width, height: r.height }; }
    }
    return best;
  })()`);
}

/** Drag the node nearest the middle along a wavy path for 60 pointer moves; returns frame intervals. */
async function dragFrames(page: Page): Promise<number[]> {
  const box = await middleNode(page);
  const start = { x: box.x + box.width / 2, y: box.y + Math.min(8, box.height / 2) };
  await startFrames(page);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (let i = 1; i <= 60; i++) {
    await page.mouse.move(start.x + Math.sin(i / 6) * 120, start.y + i * 2);
    await page.evaluate("new Promise((r) => requestAnimationFrame(r))");
  }
  await page.mouse.up();
  return (await stopFrames(page)).slice(1);
}

/**
 * Drag the middle node to the canvas's left edge and hold it there for 60 frames while React Flow
 * auto-pans (the view and the node move together every frame); returns frame intervals.
 */
async function autoPanFrames(page: Page): Promise<number[]> {
  const box = await middleNode(page);
  const pane = (await page.locator(".react-flow__pane").boundingBox())!;
  const start = { x: box.x + box.width / 2, y: box.y + Math.min(8, box.height / 2) };
  const edge = { x: pane.x + 10, y: start.y };
  await startFrames(page);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) {
    await page.mouse.move(start.x + ((edge.x - start.x) * i) / 20, start.y);
    await page.evaluate("new Promise((r) => requestAnimationFrame(r))");
  }
  for (let i = 0; i < 60; i++) await page.evaluate("new Promise((r) => requestAnimationFrame(r))");
  await page.mouse.up();
  return (await stopFrames(page)).slice(1);
}

/** Pan by dragging empty canvas for 60 pointer moves; returns frame intervals. */
async function panFrames(page: Page): Promise<number[]> {
  const from = await findEmptyPanePoint(page);
  await startFrames(page);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 60; i++) {
    await page.mouse.move(from.x + i * 4, from.y + Math.cos(i / 8) * 60);
    await page.evaluate("new Promise((r) => requestAnimationFrame(r))");
  }
  await page.mouse.up();
  return (await stopFrames(page)).slice(1);
}

/** CPU time (ms) used so far by the browser process and every process under it (renderer, GPU, …). */
function browserCpuMs(rootPid: number): number {
  const children = new Map<number, number[]>();
  const times = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      times.set(Number(entry), Number(fields[11]) + Number(fields[12]));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we read.
    }
  }
  let ticks = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    ticks += times.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return (ticks * 1000) / clockTicksPerSecond;
}
const clockTicksPerSecond = 100;

/** The pid of the Chromium that Playwright started as a child of this process. */
function chromiumPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/comm`, "utf8").includes("chrom"))
        return Number(entry);
    } catch {
      // The process ended while we read.
    }
  }
  throw new Error("Chromium's process was not found");
}

/**
 * Chromium CPU milliseconds per step (a pointer move or a held frame) of each interaction kind, all
 * its processes and threads (main, compositor, raster, GPU): less sensitive to a busy machine than
 * frame times.
 */
const cpuPerStep: Record<string, number[]> = {};

/** Run `interaction` (which returns its frame intervals), recording Chromium's CPU per frame. */
async function measured(page: Page, name: string, interaction: () => Promise<number[]>): Promise<number[]> {
  const pid = chromiumPid();
  const before = browserCpuMs(pid);
  const wallStart = performance.now();
  const frames = await profiled(page, name, interaction);
  const cpuMs = browserCpuMs(pid) - before;
  if (process.env.BENCH_VERBOSE) {
    console.log(
      `  ${name}: ${round(cpuMs)} ms CPU in ${round(performance.now() - wallStart)} ms, ${frames.length} frames`,
    );
  }
  const kind = name.replace(/-\d+$/, "");
  const steps = kind === "auto-pan" ? 80 : 60;
  cpuPerStep[kind] = [...(cpuPerStep[kind] ?? []), cpuMs / steps];
  return frames;
}

/** Run `interaction`, recording a CPU profile of the page into PROFILE_DIR when it is set. */
async function profiled<T>(page: Page, name: string, interaction: () => Promise<T>): Promise<T> {
  if (!profileDir) return interaction();
  mkdirSync(profileDir, { recursive: true });
  const browser = page.context().browser()!;
  await browser.startTracing(page, {
    path: `${profileDir}/${name}.trace.json`,
    categories: [
      "devtools.timeline",
      "disabled-by-default-devtools.timeline",
      ...(process.env.BENCH_TRACE_CATEGORIES?.split(",") ?? []),
    ],
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const result = await interaction();
  const { profile } = await cdp.send("Profiler.stop");
  await browser.stopTracing();
  writeFileSync(`${profileDir}/${name}.cpuprofile`, JSON.stringify(profile));
  await cdp.detach();
  return result;
}

/** Start collecting the page's main-thread long tasks (over 50 ms, PerformanceObserver "longtask"). */
async function startLongTasks(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__longTasks = [];
    window.__longTaskObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    });
    window.__longTaskObserver.observe({ type: "longtask" });
  })()`);
}
async function stopLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(`(() => {
    for (const entry of window.__longTaskObserver.takeRecords()) window.__longTasks.push(entry.duration);
    window.__longTaskObserver.disconnect();
    return window.__longTasks;
  })()`);
}
const longTaskStats = (tasks: number[]) => ({
  count: tasks.length,
  totalMs: round(tasks.reduce((a, b) => a + b, 0)),
  maxMs: round(Math.max(0, ...tasks)),
});

/**
 * The canvas's auto-layout as a user starts it: from the click until the positions are applied (a
 * node has moved, the progress panel is gone) and two frames have been drawn.
 */
async function autoLayoutThroughCanvas(page: Page, probe: string) {
  const start = (await page.evaluate(`(() => {
    const node = document.querySelector('.react-flow__node[data-id="${probe}"]');
    window.__probeBefore = node ? node.style.transform : null;
    return performance.now();
  })()`)) as number;
  await startLongTasks(page);
  await page.getByRole("button", { name: "Auto-layout", exact: true }).click();
  await page.waitForFunction(
    `(() => {
      const node = document.querySelector('.react-flow__node[data-id="${probe}"]');
      return !document.querySelector('[data-testid="layout-progress"]') && node && node.style.transform !== window.__probeBefore;
    })()`,
    undefined,
    { timeout: 300_000, polling: 50 },
  );
  const end = await page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
      ),
  );
  return { wallMs: end - start, longTasks: await stopLongTasks(page) };
}

/**
 * What auto-layout did before the worker: one ELK layered run over the whole
 * graph, on the page's main thread, with the canvas's options and node sizes. React's commit of the
 * positions is not included, so this understates the old cost.
 */
async function autoLayoutOnMainThread(page: Page, doc: WorkflowDocument) {
  const hasElk = await page.evaluate("typeof window.ELK === 'function'");
  if (!hasElk) await page.addScriptTag({ path: "node_modules/elkjs/lib/elk.bundled.js" });
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.spacing.nodeNodeBetweenLayers": "80",
      "elk.spacing.nodeNode": "40",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: doc.nodes.map((n) => ({ id: n.id, ...estimatedGeometry(n).measured })),
    edges: doc.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  await startLongTasks(page);
  const result = (await page.evaluate(
    `(async (graph) => {
      const start = performance.now();
      const laidOut = await new window.ELK().layout(graph);
      const xs = laidOut.children.map((c) => c.x), ys = laidOut.children.map((c) => c.y);
      return {
        wallMs: performance.now() - start,
        width: Math.max(...xs) - Math.min(...xs),
        height: Math.max(...ys) - Math.min(...ys),
      };
    })(${JSON.stringify(graph)})`,
  )) as { wallMs: number; width: number; height: number };
  return { ...result, longTasks: await stopLongTasks(page) };
}

/** The extent of the rendered nodes after a layout, in flow coordinates (from React Flow's transforms). */
async function laidOutExtent(page: Page) {
  return page.evaluate(`(() => {
    const xs = [], ys = [];
    for (const node of document.querySelectorAll(".react-flow__node")) {
      const m = /translate\\(([-\\d.]+)px,\\s*([-\\d.]+)px\\)/.exec(node.style.transform);
      if (m) { xs.push(Number(m[1])); ys.push(Number(m[2])); }
    }
    return { rendered: xs.length, width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
  })()`) as Promise<{ rendered: number; width: number; height: number }>;
}

/** Auto-layout of `size` nodes (copies of the 500-node workflow), through the canvas and the old way. */
async function measureAutoLayout(page: Page, teamId: string, size: number) {
  const doc = largeWorkflow(size / 500);
  const worker: { wallMs: number; longTasks: number[] }[] = [];
  const mainThread: { wallMs: number; longTasks: number[]; width: number; height: number }[] = [];
  let shape: { rendered: number; width: number; height: number } | undefined;
  for (let run = 0; run < layoutRuns; run++) {
    const workflow = await trpc<{ id: string }>(page, "workflow.create", {
      teamId,
      name: `Bench layout ${size} #${run + 1}`,
    });
    await trpc(page, "workflow.saveGraph", { workflowId: workflow.id, revision: 0, graph: doc });
    await page.goto(`${baseURL}/workflows/${workflow.id}`);
    await page.waitForSelector(".react-flow__node", { timeout: 120_000 });
    await page.waitForTimeout(1000);
    worker.push(await autoLayoutThroughCanvas(page, "agent0"));
    await page.waitForTimeout(1000);
    shape = await laidOutExtent(page);
    mainThread.push(await autoLayoutOnMainThread(page, doc));
    await page.waitForSelector('[data-testid="save-status"][data-state="saved"]', { timeout: 120_000 });
    console.log(
      `auto-layout ${size}: worker ${round(worker.at(-1)!.wallMs)} ms (longest task ${round(Math.max(0, ...worker.at(-1)!.longTasks))} ms), main thread ${round(mainThread.at(-1)!.wallMs)} ms`,
    );
  }
  const summary = (runs: { wallMs: number; longTasks: number[] }[]) => ({
    wallMs: runs.map((r) => round(r.wallMs)),
    longTasks: runs.map((r) => longTaskStats(r.longTasks)),
  });
  return {
    nodes: doc.nodes.length,
    edges: doc.edges.length,
    worker: { ...summary(worker), shape },
    mainThreadElk: {
      ...summary(mainThread),
      shape: mainThread.map((r) => ({ width: round(r.width), height: round(r.height) })),
    },
  };
}

async function main() {
  const doc = largeWorkflow();
  const check = validateDocument(doc);
  if (!check.ok) throw new Error(`bench workflow invalid: ${check.issues[0]?.message}`);
  const browser = await chromium.launch(chromiumLaunchOptions);
  const busy = Array.from({ length: busyCores }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  process.on("exit", () => {
    for (const child of busy) child.kill();
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const email = `bench-${randomBytes(4).toString("hex")}@example.com`;
  await page.goto(`${baseURL}/sign-up`);
  await page.getByLabel("Name").fill("Bench");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/workflows$/);
  const team = await page.request
    .get(`${baseURL}/api/trpc/team.current`)
    .then(async (r) => (await r.json()).result.data.json as { id: string });
  const saveMs: number[] = [];

  const tti: number[] = [];
  const drag: number[] = [];
  const pan: number[] = [];
  const fittedDrag: number[] = [];
  const fittedPan: number[] = [];
  const autoPan: number[] = [];
  const phases: Record<string, number>[] = [];
  for (let run = 0; run < runs; run++) {
    // A fresh copy per run, so every navigation opens the same saved state.
    const workflow = await trpc<{ id: string }>(page, "workflow.create", {
      teamId: team.id,
      name: `Bench 500 #${run + 1}`,
    });
    const saveStart = performance.now();
    await trpc(page, "workflow.saveGraph", { workflowId: workflow.id, revision: 0, graph: doc });
    saveMs.push(performance.now() - saveStart);
    await page.goto(`${baseURL}/workflows/${workflow.id}`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 }).catch(async (error) => {
      await page.screenshot({ path: "/tmp/canvas-bench-failure.png" });
      throw error;
    });
    // Interactive: nodes are on screen and the main thread answers two animation frames.
    const ready = await page.evaluate(
      () =>
        new Promise<number>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
        ),
    );
    tti.push(ready);
    const nav = (await page.evaluate(`(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return { ttfb: n.responseStart, response: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    })()`)) as Record<string, number>;
    phases.push(nav);
    if (extraCss) await page.addStyleTag({ content: extraCss });
    await page.waitForTimeout(500);
    const rendered = await page.locator(".react-flow__node").count();

    drag.push(...(await measured(page, `drag-${run + 1}`, () => dragFrames(page))));
    pan.push(...(await measured(page, `pan-${run + 1}`, () => panFrames(page))));
    // The whole graph on screen: every node rendered.
    await page.getByRole("button", { name: "Fit view", exact: true }).first().click();
    await page.waitForTimeout(1500);
    const all = await page.locator(".react-flow__node").count();
    fittedDrag.push(...(await measured(page, `fitted-drag-${run + 1}`, () => dragFrames(page))));
    fittedPan.push(...(await measured(page, `fitted-pan-${run + 1}`, () => panFrames(page))));
    autoPan.push(...(await measured(page, `auto-pan-${run + 1}`, () => autoPanFrames(page))));
    console.log(`  fitted: ${all} nodes rendered`);
    // The drag is autosaved; let it land before navigating again.
    await page.waitForSelector('[data-testid="save-status"][data-state="saved"]', { timeout: 30_000 });
    console.log(`run ${run + 1}: interactive ${round(ready)} ms, ${rendered} nodes rendered`, nav);
  }
  const autoLayout = [];
  for (const size of layoutSizes) autoLayout.push(await measureAutoLayout(page, team.id, size));
  await browser.close();
  for (const child of busy) child.kill();

  const result = {
    date: new Date().toISOString(),
    busyCores,
    workflow: { nodes: doc.nodes.length, edges: doc.edges.length },
    runs,
    saveGraphMs: saveMs.map(round),
    loadAverage: (await import("node:os")).loadavg().map(round),
    timeToInteractiveMs: {
      p50: round(quantile(tti, 0.5)),
      max: round(Math.max(...tti)),
      all: tti.map(round),
    },
    dragFrameMs: frameStats(drag),
    panFrameMs: frameStats(pan),
    fittedDragFrameMs: frameStats(fittedDrag),
    fittedPanFrameMs: frameStats(fittedPan),
    autoPanDragFrameMs: frameStats(autoPan),
    chromiumCpuMsPerStep: Object.fromEntries(
      Object.entries(cpuPerStep).map(([kind, values]) => [kind, values.map(round)]),
    ),
    autoLayout,
  };
  writeFileSync(resultsPath, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
