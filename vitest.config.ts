import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `~` is src; `server-only` is the package's own no-op, as tsx gets it from tsconfig.json (the real
 * one throws outside Next's server layer: docs/architecture.md, "Server modules").
 */
const alias = {
  "~": fileURLToPath(new URL("./src", import.meta.url)),
  "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
};

/**
 * Four projects, run by `npm test`: fast pure unit tests, integration suites that talk to real
 * Postgres / Redis / Pyodide / containers, the hostile-input security suites, and the resilience
 * suite (real processes killed and restarted; after e2e, whose Next build it shares).
 */
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["tests/setup/wiring.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "security",
          include: ["tests/security/**/*.test.ts"],
          setupFiles: ["tests/setup/wiring.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "resilience",
          include: ["tests/resilience/**/*.test.ts"],
          environment: "node",
          testTimeout: 400_000,
          // The first web process may build Next once (scripts/start.mjs) when no build is current.
          hookTimeout: 1_000_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
