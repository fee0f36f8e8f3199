import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { RunnerExchange } from "./runner-exchange";
import {
  type CallMessage,
  type DoneMessage,
  parseRunnerMessage,
  type ResultMessage,
  type RunnerRequest,
  readRunnerSource,
} from "./runner-protocol";
import { type RunnerTransport, SandboxDiedError } from "./runner-transport";
import { capWasmMemory } from "./wasm-memory-cap.mjs";

/** Options of a pool of ready Pyodide worker threads. */
export interface PyodidePoolOptions {
  /** Workers kept booted and waiting (0 = boot on demand). */
  size: number;
  /** Cap on Python's memory in each worker (MiB): the WebAssembly memory maximum (default: wasm32's 4 GiB). */
  memoryMb?: number;
  /** Directory of the `pyodide` npm package (default: resolved from node_modules). */
  indexURL?: string;
}

const WORKER_URL = new URL("./pyodide-worker.mjs", import.meta.url);

function defaultIndexURL(): string {
  const require = createRequire(import.meta.url);
  return `${dirname(require.resolve("pyodide/package.json"))}/`;
}

const compiled = new Map<string, Promise<WebAssembly.Module | null>>();

/**
 * Pyodide's wasm module compiled once per (package, memory cap) and shared with every worker, so a
 * boot instantiates instead of compiling ~10 MB of wasm. Null (workers compile) if it fails.
 */
export function getPyodideWasmModule(
  indexURL: string,
  memoryMb?: number,
): Promise<WebAssembly.Module | null> {
  const key = `${indexURL}:${memoryMb ?? ""}`;
  let module = compiled.get(key);
  if (!module) {
    module = readFile(`${indexURL}pyodide.asm.wasm`)
      .then((file) => {
        const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
        const pages = memoryMb ? Math.floor((memoryMb * 1024 * 1024) / 65536) : 0;
        const source = pages ? capWasmMemory(bytes, pages) : bytes;
        return WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
      })
      .catch(() => null);
    compiled.set(key, module);
  }
  return module;
}

let snapshotPromise: Promise<Uint8Array | null> | null = null;

/**
 * A memory snapshot of a booted Pyodide with the runner defined and the safe modules imported, made
 * once per process in a throwaway worker; workers restoring it boot several times faster. Resolves
 * to null (plain boots) if it cannot be made.
 */
export function getPyodideSnapshot(indexURL?: string): Promise<Uint8Array | null> {
  snapshotPromise ??= new Promise<Uint8Array | null>((resolve) => {
    // Kept in shared memory so each worker gets it without a 30 MB copy on the host thread.
    const channel = new MessageChannel();
    const worker = new Worker(WORKER_URL, {
      workerData: {
        mode: "snapshot",
        indexURL: indexURL ?? defaultIndexURL(),
        runnerSource: readRunnerSource(),
        signal: new SharedArrayBuffer(4),
        resultPort: channel.port2,
      },
      transferList: [channel.port2],
      stdout: true,
      stderr: true,
      env: {},
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const finish = (snapshot: Uint8Array | null) => {
      if (snapshot) {
        const shared = new Uint8Array(new SharedArrayBuffer(snapshot.byteLength));
        shared.set(snapshot);
        resolve(shared);
      } else {
        resolve(null);
      }
      channel.port1.close();
      void worker.terminate();
    };
    worker.on("message", (message: { type: string; snapshot?: Uint8Array }) => {
      finish(message.type === "snapshot" && message.snapshot ? message.snapshot : null);
    });
    worker.on("error", () => finish(null));
    worker.on("exit", () => finish(null));
  });
  return snapshotPromise;
}

/** A booted Pyodide worker speaking the runner protocol (one run, then terminated). */
export class PyodideWorkerTransport implements RunnerTransport {
  /** Requests go to the worker as messages; tool results through the port it blocks on (see the worker). */
  private readonly exchange = new RunnerExchange({
    send: (message) => {
      if (message.type === "result") this.reply(message);
      else this.worker.postMessage({ type: "request", line: JSON.stringify(message) });
    },
    protocolError: () => this.protocolError(),
  });
  private readonly flag: Int32Array;
  /** Milliseconds the worker took to boot Pyodide and lock itself down. */
  bootMs = 0;

  private constructor(
    private readonly worker: Worker,
    signalBuffer: SharedArrayBuffer,
    private readonly resultPort: MessagePort,
  ) {
    this.flag = new Int32Array(signalBuffer);
    worker.on("message", (message: { type: string; line?: string; fatal?: boolean }) =>
      this.onMessage(message),
    );
    worker.on("error", (error: Error & { code?: string }) => {
      const oom = error.code === "ERR_WORKER_OUT_OF_MEMORY" || /out of memory/i.test(error.message);
      this.fail(
        new SandboxDiedError(
          oom ? "The sandbox ran out of memory" : `The Pyodide worker crashed: ${error.message}`,
          oom ? "MemoryLimit" : "SandboxError",
        ),
      );
    });
    worker.on("exit", () => this.fail(new SandboxDiedError("The Pyodide worker exited", "SandboxError")));
  }

  /** Start a worker and wait until Pyodide is loaded and locked down. */
  /** Boot a worker; `snapshot: false` skips the process-wide snapshot (one-shot use such as the CLI). */
  static async start(options: {
    memoryMb?: number;
    indexURL?: string;
    snapshot?: boolean;
  }): Promise<PyodideWorkerTransport> {
    const useSnapshot =
      options.snapshot !== false && (options.memoryMb === undefined || options.memoryMb >= 64);
    const indexURL = options.indexURL ?? defaultIndexURL();
    const [snapshot, wasmModule] = await Promise.all([
      useSnapshot ? getPyodideSnapshot(options.indexURL) : null,
      getPyodideWasmModule(indexURL, options.memoryMb),
    ]);
    const signal = new SharedArrayBuffer(4);
    const channel = new MessageChannel();
    const worker = new Worker(WORKER_URL, {
      workerData: {
        indexURL,
        runnerSource: readRunnerSource(),
        memoryMb: options.memoryMb,
        mode: "run",
        snapshot,
        wasmModule,
        signal,
        resultPort: channel.port2,
      },
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
      env: {},
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const transport = new PyodideWorkerTransport(worker, signal, channel.port1);
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; bootMs?: number; message?: string }) => {
        if (message.type === "ready") {
          cleanup();
          transport.bootMs = message.bootMs ?? 0;
          resolve(transport);
        } else if (message.type === "fatal") {
          cleanup();
          void worker.terminate();
          reject(new Error(`Pyodide failed to start: ${message.message}`));
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error("The Pyodide worker exited while starting"));
      };
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("exit", onExit);
    });
  }

  request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage> {
    return this.exchange.request(request, onCall);
  }

  async kill(): Promise<void> {
    this.fail(new SandboxDiedError("The sandbox was stopped", "SandboxError"));
    this.resultPort.close();
    await this.worker.terminate();
  }

  private fail(error: SandboxDiedError): void {
    this.exchange.fail(error);
  }

  get alive(): boolean {
    return this.exchange.dead === null;
  }

  private onMessage(message: { type: string; line?: string; fatal?: boolean }): void {
    if (this.exchange.dead || (message.type !== "call" && message.type !== "done")) return;
    const parsed = parseRunnerMessage(message.line ?? "");
    // The worker tags each message with the bridge it came through: a `done` smuggled through the
    // tool-call bridge, or anything but a call or a done, is a protocol error.
    if (parsed.type !== message.type || (parsed.type !== "call" && parsed.type !== "done")) {
      this.protocolError();
      return;
    }
    this.exchange.receive(parsed);
    if (parsed.type === "done" && message.fatal && this.alive) void this.kill();
  }

  private protocolError(): void {
    this.fail(new SandboxDiedError("Protocol error from the Pyodide worker", "SandboxError"));
    void this.worker.terminate();
  }

  private reply(result: ResultMessage): void {
    this.resultPort.postMessage(JSON.stringify(result));
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }
}

const REFILL_DELAY_MS = 100;

/**
 * Keeps `size` Pyodide workers booted so a run starts without the ~1.5 s cold start. Each worker
 * serves one run and is then terminated (no state crosses runs); the pool boots a replacement.
 */
export class PyodidePool {
  private readonly ready: PyodideWorkerTransport[] = [];
  private booting = 0;
  private closed = false;
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PyodidePoolOptions) {
    this.refill();
  }

  /** Number of booted workers waiting for a run. */
  get available(): number {
    return this.ready.length;
  }

  /** Resolves when `count` workers (default: the pool size) are booted and waiting. */
  async warm(count = this.options.size): Promise<void> {
    while (!this.closed && this.ready.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Take a booted worker (or boot one now if none is waiting). */
  acquire(): Promise<PyodideWorkerTransport> {
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

  /** Terminate waiting workers and stop refilling. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    const idle = this.ready.splice(0);
    await Promise.all(idle.map((transport) => transport.kill()));
  }

  private boot(): Promise<PyodideWorkerTransport> {
    return PyodideWorkerTransport.start({ memoryMb: this.options.memoryMb, indexURL: this.options.indexURL });
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.booting < this.options.size) {
      this.booting += 1;
      this.boot().then(
        (transport) => {
          this.booting -= 1;
          if (this.closed) {
            void transport.kill();
            return;
          }
          this.ready.push(transport);
        },
        () => {
          this.booting -= 1;
        },
      );
    }
  }
}
