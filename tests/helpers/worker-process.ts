import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { Redis } from "ioredis";
import type { OpenAITestServer } from "./openai-server";

/**
 * Real `npm run worker` processes for tests (src/server/worker/main.ts through tsx), with their output
 * kept for failure messages, and a wait for a worker to be up: its heartbeat key in Redis.
 */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Still running. */
  alive(): boolean;
}

/** A loopback port nothing listens on now (the system's pick). */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Start a worker process; its health and metrics server takes a free loopback port unless `env` names one. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const port = env.WORKER_HTTP_PORT ?? String(await freeLoopbackPort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/worker/main.ts"], {
    env: {
      ...process.env,
      PYODIDE_POOL_SIZE: "0",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      WORKER_HTTP_PORT: port,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** The heartbeat keys of live workers on a queue (src/server/lifecycle/heartbeat.ts). */
export async function liveWorkers(redisUrl: string, queue: string): Promise<Array<{ pid: number }>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`bull:${queue}:troupe-worker:*`);
    const values = keys.length ? await redis.mget(keys) : [];
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as { pid: number });
  } finally {
    redis.disconnect();
  }
}

/** Wait until the worker process beats (it has connected to Redis and takes runs). */
export async function waitForWorker(
  worker: WorkerProcess,
  redisUrl: string,
  queue: string,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!worker.alive()) throw new Error(`worker exited while starting:\n${worker.output()}`);
    if ((await liveWorkers(redisUrl, queue)).some((w) => w.pid === worker.child.pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`worker did not start in ${timeoutMs} ms:\n${worker.output()}`);
}

/**
 * The model of a two-step lookup agent (tests/helpers/lookup-clerk.ts) whose every call waits the
 * number of milliseconds the task names (`delay=<ms>`; the first call `first=<ms>` when given), so one
 * server serves fast and slow runs.
 */
export function scriptDelayedClerk(openai: OpenAITestServer): void {
  openai.fallback = (request) => {
    const messages = request.body.messages as Array<{ role: string; content?: unknown }>;
    const task = JSON.stringify(messages.find((m) => m.role === "user")?.content ?? "");
    const delayMs = Number(/delay=(\d+)/.exec(task)?.[1] ?? 0);
    if (messages.some((m) => m.role === "assistant")) {
      const observation = JSON.stringify(messages.at(-1)?.content ?? "");
      const definition = /definition of \w+/.exec(observation)?.[0] ?? "no definition";
      return { delayMs, toolCalls: [{ name: "final_answer", arguments: { answer: definition } }] };
    }
    const firstDelayMs = Number(/first=(\d+)/.exec(task)?.[1] ?? delayMs);
    return { delayMs: firstDelayMs, toolCalls: [{ name: "lookup", arguments: { q: "troupe" } }] };
  };
}
