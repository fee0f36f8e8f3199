import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./tests/helpers/chromium";

/**
 * End-to-end tests against the production build, started exactly as `npm start` does, on port 3100 with a
 * fresh embedded database. The browser is Debian's Chromium (CHROMIUM_PATH); nothing is downloaded.
 */
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "troupe-e2e-"));
process.env.E2E_DATA_DIR = dataDir;

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1280, height: 800 },
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    { name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } } },
  ],
  webServer: {
    command: "node scripts/start.mjs",
    url: `${baseURL}/sign-in`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      TROUPE_DATA_DIR: dataDir,
      DATABASE_URL: "",
      REDIS_URL: "",
      APP_URL: baseURL,
      LOG_LEVEL: "warn",
      // Every test signs a new person up from 127.0.0.1: more than the default per-address limit.
      SIGN_UP_LIMIT_PER_IP: "1000",
      SIGN_IN_LIMIT_PER_IP: "1000",
      // /metrics of the web process (tests/e2e/observability.spec.ts).
      METRICS_TOKEN: process.env.E2E_METRICS_TOKEN ?? "e2e-metrics-token-0123456789",
    },
  },
});
