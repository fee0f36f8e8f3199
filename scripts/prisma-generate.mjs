#!/usr/bin/env node
// Generates the Prisma 7 client into src/server/db/generated without network access.
// `prisma generate` only wants the schema engine binary to exist (it skips the download when
// PRISMA_SCHEMA_ENGINE_BINARY names a file); the generated client talks to Postgres through
// @prisma/adapter-pg, so no engine binary is ever executed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

if (!existsSync(join(root, "prisma/schema.prisma"))) {
  console.log("prisma-generate: no prisma/schema.prisma yet (partial copy); skipping client generation.");
  process.exit(0);
}

let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  // Production installs without devDependencies: the committed client is not there either, so say why.
  console.error("prisma-generate: the `prisma` package is not installed; skipping client generation.");
  process.exit(0);
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
if (!existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

const result = spawnSync(process.execPath, [cli, "generate", "--config", join(root, "prisma.config.ts")], {
  cwd: root,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
