import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * The processes of the resilience suite: a Redis server of its own (so it can be restarted), web
 * processes started as `npm start` starts them (scripts/start.mjs: builds Next when the build is
 * missing or stale, then src/server/main.ts) and `npm run worker` processes (tests/helpers/worker-process.ts).
 */

/** A free loopback port: from RESILIENCE_PORT_BASE upwards when set, else one the system picks. */
export async function freePort(preferred?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => (preferred ? resolve(freePort()) : reject(error)));
    server.listen(preferred ?? 0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Output of a child process, the last 20,000 characters. */
function collectOutput(child: ChildProcess): () => string {
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return () => output;
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

export interface SuiteRedis {
  url: string;
  /** Stop the server (SHUTDOWN: it writes its append-only file) and start it again on the same data. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `redis-server` on loopback with what BullMQ needs of a production Redis: every write in the
 * append-only file before it is acknowledged, and no eviction, so a restart loses no job or lock.
 */
export async function startRedis(port: number): Promise<SuiteRedis> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-resilience-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  let output: () => string;
  const launch = async () => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--maxmemory-policy",
        "noeviction",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    output = collectOutput(child);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const probe = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start:\n${output()}`);
      } finally {
        probe.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await launch();
  return {
    url,
    async restart(downMs) {
      child.kill("SIGTERM");
      await exitOf(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    async stop() {
      child.kill("SIGTERM");
      await exitOf(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WebProcess {
  base: string;
  output(): string;
  /** SIGTERM (once) and wait for the exit; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** A web process exactly as `npm start` runs it; resolves once it serves pages. */
export async function startWeb(
  port: number,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<WebProcess> {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collectOutput(child);
  const web: WebProcess = {
    base,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exitOf(child);
      return child.exitCode;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`web process exited early:\n${output()}`);
    try {
      if ((await fetch(`${base}/sign-in`)).ok) return web;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await web.stop();
  throw new Error(`web process did not start:\n${output()}`);
}

/** A small seeded pseudo-random generator (mulberry32): the same seed replays the same chaos. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
