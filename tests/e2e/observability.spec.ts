import { expect, type Page, test } from "@playwright/test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { newAccount, signUp } from "./helpers/accounts";

/**
 * The web process's own probes and metrics, served before Next by src/server/main.ts in embedded
 * mode (which also executes runs): /healthz, /readyz once the Pyodide pool is warm, /metrics behind
 * METRICS_TOKEN (set in playwright.config.ts), whose counters move by one demo run and its tokens,
 * with the run page's Socket.IO connection counted.
 */

test.setTimeout(180_000);

const METRICS_TOKEN = process.env.E2E_METRICS_TOKEN ?? "e2e-metrics-token-0123456789";

/** Scrape /metrics with the token: a reader of the sum of a metric's samples whose labels include `labels`. */
async function scrape(page: Page) {
  const response = await page.request.get("/metrics", {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(response.status()).toBe(200);
  const families = parsePrometheusTextFormat(await response.text());
  return (name: string, labels: Record<string, string> = {}) =>
    (families.find((family) => family.name === name)?.metrics ?? [])
      .filter((metric) => Object.entries(labels).every(([key, wanted]) => metric.labels?.[key] === wanted))
      .reduce((sum, metric) => sum + Number(metric.value ?? 0), 0);
}

test("the web process answers /healthz and /readyz and counts a run on /metrics", async ({ page }) => {
  const health = await page.request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  // Embedded mode: the database and the warm sandbox pool, no Redis.
  await expect.poll(async () => (await page.request.get("/readyz")).status(), { timeout: 120_000 }).toBe(200);
  expect(await (await page.request.get("/readyz")).json()).toEqual({
    ready: true,
    checks: { database: { ok: true }, "sandbox-pool": { ok: true } },
  });

  expect((await page.request.get("/metrics")).status()).toBe(401);
  const wrong = await page.request.get("/metrics", { headers: { authorization: "Bearer not-the-token" } });
  expect(wrong.status()).toBe(401);

  await signUp(page, newAccount("Metrics Reader"));
  const before = await scrape(page);
  await page.getByTestId("workflow-row").filter({ hasText: "Demo: research team" }).getByRole("link").click();
  await page.getByTestId("run-button").click();
  await page
    .getByRole("dialog", { name: /Run “Demo: research team”/ })
    .getByRole("button", { name: "Start run" })
    .click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", {
    timeout: 90_000,
  });
  const tokens = Number(((await page.getByTestId("counter-tokens").textContent()) ?? "").replace(/,/g, ""));
  expect(tokens).toBeGreaterThan(0);

  const after = await scrape(page);
  const moved = (name: string, labels?: Record<string, string>) => after(name, labels) - before(name, labels);
  expect(moved("troupe_runs_started_total")).toBe(1);
  expect(moved("troupe_runs_finished_total", { status: "succeeded" })).toBe(1);
  expect(moved("troupe_model_tokens_total")).toBe(tokens);
  expect(after("troupe_active_runs")).toBe(0);
  // This page's live connection to its run.
  expect(after("troupe_socketio_connections")).toBeGreaterThanOrEqual(1);
});
