import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUNNER_PATH } from "./runner-protocol";
import { type RunnerTransport, SandboxDiedError } from "./runner-transport";
import { killSandboxProcess, spawnSandboxProcess } from "./sandbox-process";
import { StdioTransport } from "./stdio-transport";

/** Options of a pool of ready Pyodide sandbox processes. */
export interface PyodidePoolOptions {
  /** Processes kept booted and waiting (0 = boot on demand). */
  size: number;
  /** Cap on Python's memory in each process (MiB): the WebAssembly memory maximum, also watched by the host. */
  memoryMb?: number;
  /** Directory of the `pyodide` npm package (default: resolved from node_modules). */
  indexURL?: string;
  /** Told of every boot the pool makes (the host's metrics): how it ended and how long it took. */
  onBoot?: (boot: { ok: boolean; durationMs: number }) => void;
}

const ENTRY = fileURLToPath(new URL("./pyodide-process.mjs", import.meta.url));
/** V8 heap of a sandbox process (MiB): Python lives in wasm memory, outside this heap. */
const MAX_OLD_SPACE_MB = 256;
/** Resident memory a process may use beyond its wasm cap (V8 heap, wasm code, snapshot) before the host kills it. */
const RSS_SLACK_MB = 512;
/** wasm32's own maximum, the cap when none is given. */
const WASM32_MAX_MB = 4096;
const RSS_POLL_MS = 500;

function defaultIndexURL(): string {
  const require = createRequire(import.meta.url);
  return `${dirname(require.resolve("pyodide/package.json"))}/`;
}

/** Files a Pyodide sandbox process may read: Pyodide's package, its own entry and helper, the runner. */
function readPaths(indexURL: string, snapshotPath: string | null): string[] {
  const paths = [
    indexURL,
    ENTRY,
    fileURLToPath(new URL("./wasm-memory-cap.mjs", import.meta.url)),
    RUNNER_PATH,
  ];
  if (snapshotPath) paths.push(snapshotPath);
  return paths;
}

function entryArgs(options: {
  indexURL: string;
  mode: string;
  memoryMb?: number;
  snapshotPath?: string | null;
}) {
  const args = [`--index-url=${options.indexURL}`, `--runner=${RUNNER_PATH}`, `--mode=${options.mode}`];
  if (options.memoryMb) args.push(`--memory-mb=${options.memoryMb}`);
  if (options.snapshotPath) args.push(`--snapshot=${options.snapshotPath}`);
  return args;
}

let snapshotPromise: Promise<string | null> | null = null;

/**
 * A memory snapshot of a booted Pyodide with the runner defined and the safe modules imported, made
 * once per host process by a sandbox process in snapshot mode and kept in a private temporary file
 * that sandbox processes may read; restoring it boots several times faster. Resolves to the file's
 * path, or null (plain boots) if it cannot be made.
 */
export function getPyodideSnapshot(indexURL?: string): Promise<string | null> {
  snapshotPromise ??= new Promise<string | null>((resolve) => {
    const index = indexURL ?? defaultIndexURL();
    const child = spawnSandboxProcess({
      entry: ENTRY,
      args: entryArgs({ indexURL: index, mode: "snapshot" }),
      readPaths: readPaths(index, null),
      maxOldSpaceMb: MAX_OLD_SPACE_MB,
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    child.on("error", () => resolve(null));
    child.on("close", (code) => {
      const bytes = Buffer.concat(chunks);
      if (code !== 0 || bytes.length === 0) {
        resolve(null);
        return;
      }
      try {
        const dir = mkdtempSync(join(tmpdir(), "troupe-pyodide-"));
        const file = join(dir, "snapshot.bin");
        writeFileSync(file, bytes, { mode: 0o600 });
        process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
        resolve(file);
      } catch {
        resolve(null);
      }
    });
  });
  return snapshotPromise;
}

/** Resident set size of a process (MiB) from /proc, or null where /proc is unavailable. */
function residentMb(pid: number): number | null {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return (pages * 4096) / (1024 * 1024);
  } catch {
    return null;
  }
}

/**
 * A booted Pyodide sandbox process speaking the runner protocol over its stdio (one run, then
 * killed). The host watches its resident memory and kills it past the cap (→ MemoryLimit).
 */
export class PyodideProcessTransport implements RunnerTransport {
  /** Milliseconds from spawn to the process reporting itself booted and locked down. */
  bootMs = 0;

  private constructor(
    private readonly stdio: StdioTransport,
    private readonly child: ReturnType<typeof spawnSandboxProcess>,
  ) {}

  /** Boot a process; `snapshot: false` skips the process-wide snapshot (one-shot use such as the CLI). */
  static async start(options: {
    memoryMb?: number;
    indexURL?: string;
    snapshot?: boolean;
    /** Resident memory (MiB) past which the host kills the process (default: memoryMb + 768). */
    rssLimitMb?: number;
  }): Promise<PyodideProcessTransport> {
    const started = performance.now();
    const useSnapshot =
      options.snapshot !== false && (options.memoryMb === undefined || options.memoryMb >= 64);
    const indexURL = options.indexURL ?? defaultIndexURL();
    const snapshotPath = useSnapshot ? await getPyodideSnapshot(options.indexURL) : null;
    const child = spawnSandboxProcess({
      entry: ENTRY,
      args: entryArgs({ indexURL, mode: "run", memoryMb: options.memoryMb, snapshotPath }),
      readPaths: readPaths(indexURL, snapshotPath),
      maxOldSpaceMb: MAX_OLD_SPACE_MB,
    });
    let stderrTail = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    const stdio = new StdioTransport(child.stdin, child.stdout, async () => killSandboxProcess(child));
    const transport = new PyodideProcessTransport(stdio, child);
    const rssLimitMb =
      options.rssLimitMb ?? (options.memoryMb ?? WASM32_MAX_MB) + MAX_OLD_SPACE_MB + RSS_SLACK_MB;
    const watchdog = setInterval(() => {
      const rss = child.pid ? residentMb(child.pid) : null;
      if (rss !== null && rss > rssLimitMb) {
        stdio.fail(
          new SandboxDiedError(`The sandbox used ${Math.round(rss)} MiB and was stopped`, "MemoryLimit"),
        );
        killSandboxProcess(child);
      }
    }, RSS_POLL_MS);
    watchdog.unref();
    child.on("error", (error) =>
      stdio.fail(new SandboxDiedError(`The Pyodide process failed: ${error.message}`, "SandboxError")),
    );
    child.on("exit", (code, signal) => {
      clearInterval(watchdog);
      const oom = /out of memory|heap limit/i.test(stderrTail);
      stdio.fail(
        new SandboxDiedError(
          oom ? "The sandbox ran out of memory" : `The Pyodide process exited (${signal ?? `code ${code}`})`,
          oom ? "MemoryLimit" : "SandboxError",
        ),
      );
    });
    try {
      await stdio.ready();
    } catch (error) {
      killSandboxProcess(child);
      const detail = stderrTail.trim().split("\n").slice(-3).join(" ").slice(0, 1000);
      throw new Error(`Pyodide failed to start: ${(error as Error).message}${detail ? `: ${detail}` : ""}`);
    }
    transport.bootMs = performance.now() - started;
    return transport;
  }

  get alive(): boolean {
    return this.stdio.alive;
  }

  request(...args: Parameters<RunnerTransport["request"]>): ReturnType<RunnerTransport["request"]> {
    return this.stdio.request(...args);
  }

  async kill(): Promise<void> {
    await this.stdio.kill();
  }

  /** The process id (tests and the bench look at its resident memory). */
  get pid(): number | undefined {
    return this.child.pid;
  }
}

const REFILL_DELAY_MS = 100;

/**
 * Keeps `size` Pyodide sandbox processes booted so a run starts without the cold start. Each process
 * serves one run and is then killed (no state crosses runs); the pool boots a replacement.
 */
export class PyodidePool {
  private readonly ready: PyodideProcessTransport[] = [];
  private bootingCount = 0;
  private closed = false;
  private wasWarm = false;
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PyodidePoolOptions) {
    this.refill();
  }

  /** Number of booted processes waiting for a run. */
  get available(): number {
    return this.ready.length;
  }

  /** Number of processes booting now. */
  get booting(): number {
    return this.bootingCount;
  }

  /** Processes the pool keeps booted. */
  get size(): number {
    return this.options.size;
  }

  /** True once the pool has had all its processes booted at the same time (readiness). */
  get warmedUp(): boolean {
    return this.wasWarm || this.options.size === 0;
  }

  /** Resolves when `count` processes (default: the pool size) are booted and waiting. */
  async warm(count = this.options.size): Promise<void> {
    while (!this.closed && this.ready.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Take a booted process (or boot one now if none is waiting). */
  acquire(): Promise<PyodideProcessTransport> {
    if (this.closed) return Promise.reject(new Error("The Pyodide pool is closed"));
    let transport = this.ready.shift();
    while (transport && !transport.alive) transport = this.ready.shift();
    // Boot replacements a moment later, so the run that just started is not slowed by them.
    this.refillTimer ??= setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS);
    if (transport) return Promise.resolve(transport);
    return this.boot();
  }

  /** Kill waiting processes and stop refilling. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    const idle = this.ready.splice(0);
    await Promise.all(idle.map((transport) => transport.kill()));
  }

  private boot(): Promise<PyodideProcessTransport> {
    const started = performance.now();
    const booted = PyodideProcessTransport.start({
      memoryMb: this.options.memoryMb,
      indexURL: this.options.indexURL,
    });
    const report = (ok: boolean) => this.options.onBoot?.({ ok, durationMs: performance.now() - started });
    booted.then(
      () => report(true),
      () => report(false),
    );
    return booted;
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.bootingCount < this.options.size) {
      this.bootingCount += 1;
      this.boot().then(
        (transport) => {
          this.bootingCount -= 1;
          if (this.closed) {
            void transport.kill();
            return;
          }
          this.ready.push(transport);
          if (this.ready.length >= this.options.size) this.wasWarm = true;
        },
        () => {
          this.bootingCount -= 1;
        },
      );
    }
  }
}
