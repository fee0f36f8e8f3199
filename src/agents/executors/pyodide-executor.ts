import { ProtocolExecutor } from "./protocol-executor";
import { type PyodidePool, PyodideProcessTransport } from "./pyodide-pool";
import type { ExecutorOptions } from "./python-executor";

/** Options of the Pyodide executor. */
export interface PyodideExecutorOptions extends ExecutorOptions {
  /** Warm pool to take sandbox processes from; without one (or with a different memory cap) each run boots its own. */
  pool?: PyodidePool;
  /** Memory cap the pool's processes were started with, to tell whether they fit this run. */
  poolMemoryMb?: number;
  indexURL?: string;
  /** Boot from the process-wide memory snapshot (default true; false for one-shot use like the CLI). */
  snapshot?: boolean;
}

/**
 * The default sandbox: CPython compiled to WebAssembly (Pyodide) in a confined child process (see
 * sandbox-process.ts) with no way back to JavaScript from Python. Tool calls block the process on a
 * read of its stdin while the host runs the tool. A timeout kills the process; the next action gets a
 * fresh one.
 */
export class PyodideExecutor extends ProtocolExecutor {
  constructor(options: PyodideExecutorOptions = {}) {
    const usePool =
      options.pool && (options.memoryMb === undefined || options.memoryMb === options.poolMemoryMb);
    super(
      "pyodide",
      () =>
        usePool && options.pool
          ? options.pool.acquire()
          : PyodideProcessTransport.start({
              memoryMb: options.memoryMb,
              indexURL: options.indexURL,
              snapshot: options.snapshot,
            }),
      options,
    );
  }
}
