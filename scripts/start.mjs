#!/usr/bin/env node
/**
 * `npm start`: build the Next.js app when the build is missing or older than the sources, then run the
 * one-process server (src/server/main.ts) in production mode. Signals are passed through to it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildId = path.join(root, ".next", "BUILD_ID");
const inputs = ["src", "package-lock.json", "next.config.mjs", "postcss.config.mjs", "tsconfig.json"];

/** Newest modification time (ms) under a file or directory. */
function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const bin = (name) => path.join(root, "node_modules", ".bin", name);

if (
  !existsSync(path.join(root, "src/server/db/generated")) &&
  existsSync(path.join(root, "scripts/prisma-generate.mjs"))
) {
  console.log("[troupe] generating the Prisma client…");
  run(process.execPath, [path.join(root, "scripts/prisma-generate.mjs")]);
}

const built = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
const sources = Math.max(...inputs.map((input) => newest(path.join(root, input))));
if (built < sources) {
  console.log(
    built ? "[troupe] sources changed since the last build; rebuilding…" : "[troupe] building the app…",
  );
  run(bin("next"), ["build"], { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });
}

const child = spawn(bin("tsx"), [path.join(root, "src/server/main.ts")], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
