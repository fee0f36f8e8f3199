/**
 * Where e2e tests write their screenshots: the test output folder, so a test run never changes tracked
 * files. `npm run docs:screenshots` runs the suite with DOCS_SCREENSHOTS=1 to refresh the pictures the
 * README and docs show (`docs/screenshots/`).
 */
export const screenshots =
  process.env.DOCS_SCREENSHOTS === "1" ? "docs/screenshots" : "test-results/screenshots";
