// Child-process entry of the Pyodide sandbox (plain ESM, run by node itself, never bundled).
//
// The host starts it with Node's permission model (reads only under the Pyodide package, this folder,
// the runner and the boot snapshot; no writes, child processes, workers or addons), an empty
// environment, stdio pipes only and, where the host allows, a network namespace of its own. Inside,
// before any model code runs, it locks itself down as well: no `js`/`pyodide_js` modules, no
// JS-reaching Python modules, no code generation from strings, no process/fetch globals, no FS mounts.
//
// Protocol: newline-delimited JSON on stdin/stdout (runner-protocol.ts). After boot the process runs
// a synchronous loop: read a request line from fd 0, run Runner.handle, write the `done` line to fd 1.
// A tool call from Python writes a `call` line and blocks in a synchronous read for the `result`.
// Snapshot mode (--mode=snapshot) writes a memory snapshot of a booted runtime to stdout and exits.
import { Buffer } from "node:buffer";
import { constants as fsConstants, readFileSync, readSync, writeSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { pathToFileURL } from "node:url";
import { capWasmMemory } from "./wasm-memory-cap.mjs";

const options = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((arg) => arg.startsWith("--"))
    .map((arg) => {
      const eq = arg.indexOf("=");
      return [arg.slice(2, eq), arg.slice(eq + 1)];
    }),
);
const indexURL = options["index-url"];
const runnerPath = options.runner;
const snapshotPath = options.snapshot || "";
const memoryMb = Number(options["memory-mb"] || 0);
const mode = options.mode === "snapshot" ? "snapshot" : "run";
const jsonParse = JSON.parse;
// Kept before the lockdown removes `process` from the globals.
const exit = process.exit.bind(process);
const jsonStringify = JSON.stringify;

// Pyodide's NODEFS setup reads `process.binding("constants")`, which the permission model refuses.
process.binding = (name) => {
  if (name === "constants") return { fs: fsConstants, os: osConstants };
  throw new Error(`process.binding(${String(name)}) is not available in the sandbox`);
};

/** Sleep without the event loop (pipes may be non-blocking: EAGAIN is retried after a short pause). */
const pause = new Int32Array(new SharedArrayBuffer(4));
const nap = () => Atomics.wait(pause, 0, 0, 1);

/** Write all of `data` (string or bytes) to stdout, synchronously. */
function writeOut(data) {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (error) {
      if (error?.code !== "EAGAIN") throw error;
      nap();
    }
  }
}

const inputChunk = Buffer.alloc(65536);
let pending = Buffer.alloc(0);
/** The next line from stdin (blocking); null once the host closed the pipe. */
function readLine() {
  for (;;) {
    const newline = pending.indexOf(10);
    if (newline >= 0) {
      const line = pending.subarray(0, newline).toString("utf8");
      pending = pending.subarray(newline + 1);
      return line;
    }
    let count;
    try {
      count = readSync(0, inputChunk, 0, inputChunk.length, null);
    } catch (error) {
      if (error?.code === "EAGAIN") {
        nap();
        continue;
      }
      if (error?.code === "EOF") return null;
      throw error;
    }
    if (count === 0) return null;
    pending = Buffer.concat([pending, inputChunk.subarray(0, count)]);
  }
}

const send = (message) => writeOut(`${jsonStringify(message)}\n`);

const BOOT = `
import json as _json
_troupe_runner = Runner()

def _troupe_handle(line, host_call):
    def call_host(msg):
        return _json.loads(host_call(_json.dumps(msg)))
    try:
        reply = _troupe_runner.handle(_json.loads(line), call_host)
    finally:
        _troupe_runner.call_host = None
    return _json.dumps(reply, default=repr)
`;

const LOCKDOWN = `
import sys as _sys
for _name in list(_sys.modules):
    if _name in ("js", "pyodide_js") or _name.startswith(("pyodide", "_pyodide", "micropip", "ctypes", "_ctypes")):
        del _sys.modules[_name]
_sys.meta_path[:] = [f for f in _sys.meta_path if "Js" not in type(f).__name__ and "Emscripten" not in type(f).__name__]
_sys.path_hooks[:] = [h for h in _sys.path_hooks if "Js" not in getattr(h, "__name__", "")]
import builtins as _builtins
_real_import = _builtins.__import__
_blocked = ("js", "pyodide", "_pyodide", "pyodide_js", "micropip", "_pyodide_core", "ctypes", "_ctypes")
def _guarded_import(name, *args, **kwargs):
    top = name.split(".")[0] if isinstance(name, str) else ""
    if top in _blocked:
        raise ImportError("No module named %r" % name)
    return _real_import(name, *args, **kwargs)
_builtins.__import__ = _guarded_import
import gc as _gc
_gc.collect()
for _obj in _gc.get_objects():
    _kind = type(_obj).__name__
    if _kind == "JsLoader":
        _obj.jsproxy = None
    elif _kind == "JsFinder":
        _obj.jsproxies.clear()
        _obj.hook = None
    elif _kind == "ModuleSpec" and type(getattr(_obj, "loader", None)).__name__ == "JsLoader":
        _obj.loader = None
_gc.collect()
del _name, _sys, _builtins, _gc, _obj, _kind
`;

function lockdownJs(pyodide) {
  const blocked = function blockedCodeGeneration() {
    throw new Error("Code generation is disabled in the sandbox");
  };
  const ctors = [
    Function,
    Object.getPrototypeOf(async () => {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ];
  for (const ctor of ctors) {
    Object.defineProperty(ctor.prototype, "constructor", {
      value: blocked,
      writable: false,
      configurable: false,
    });
  }
  blocked.prototype = Function.prototype;
  Object.defineProperty(globalThis, "Function", { value: blocked, writable: false, configurable: false });
  Object.defineProperty(Error, "prepareStackTrace", {
    value: undefined,
    writable: false,
    configurable: false,
  });
  for (const name of [
    "process",
    "require",
    "module",
    "fetch",
    "WebSocket",
    "XMLHttpRequest",
    "EventSource",
    "Worker",
    "SharedWorker",
    "importScripts",
    "navigator",
    "Request",
    "Response",
    "Headers",
    "BroadcastChannel",
    "MessageChannel",
    "Buffer",
    "eval",
    "setTimeout",
    "setInterval",
    "setImmediate",
    "queueMicrotask",
  ]) {
    try {
      Object.defineProperty(globalThis, name, { value: undefined, writable: false, configurable: false });
    } catch {
      try {
        delete globalThis[name];
      } catch {
        // non-configurable: left as is
      }
    }
  }
  const deny = () => {
    throw new Error("Filesystem mounts are disabled in the sandbox");
  };
  const fs = pyodide.FS;
  if (fs) {
    fs.mount = deny;
    if (fs.filesystems) {
      for (const key of Object.keys(fs.filesystems)) {
        if (key !== "MEMFS") delete fs.filesystems[key];
      }
    }
  }
  pyodide.mountNodeFS = deny;
  pyodide.mountNativeFS = deny;
  pyodide.loadPackage = deny;
  pyodide.loadPackagesFromImports = deny;
  pyodide.runPython = deny;
  pyodide.runPythonAsync = deny;
  pyodide.registerJsModule = deny;
}

/** Host escapes in Emscripten's imports: `system()` spawns a host shell in Node; sockets reach the network. */
const DENIED_IMPORTS = {
  _emscripten_system: () => -1,
  __syscall_socket: () => -63,
  __syscall_connect: () => -63,
  __syscall_bind: () => -63,
  __syscall_listen: () => -63,
  __syscall_accept4: () => -63,
  __syscall_sendto: () => -63,
  __syscall_sendmsg: () => -63,
  __syscall_recvfrom: () => -63,
  __syscall_recvmsg: () => -63,
  getaddrinfo: () => -4,
};

const pages = memoryMb ? Math.floor((memoryMb * 1024 * 1024) / 65536) : 0;
const instantiate = WebAssembly.instantiate;
const isBytes = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);
WebAssembly.instantiate = (source, imports) => {
  let patchedImports = imports;
  if (imports?.env && typeof imports.env._emscripten_system === "function") {
    const env = { ...imports.env, ...DENIED_IMPORTS };
    patchedImports = { ...imports, env };
    if (imports.wasi_snapshot_preview1 === imports.env) patchedImports.wasi_snapshot_preview1 = env;
  }
  let bytes = source;
  if (pages && isBytes(source)) {
    const view = ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : new Uint8Array(source);
    bytes = capWasmMemory(view, pages);
  }
  return instantiate(bytes, patchedImports);
};

/** Protocol line Python's bridge may send: only a tool call; anything else ends the session. */
const FORGED = '{"type":"forged","reason":"only tool calls may cross the bridge"}';

/** Synchronous bridge from Python to the host: a string in, a string out, nothing else reachable. */
function hostCall(line) {
  const text = String(line);
  let type;
  try {
    type = jsonParse(text)?.type;
  } catch {
    type = undefined;
  }
  if (type !== "call" || text.includes("\n")) {
    writeOut(`${FORGED}\n`);
    exit(3);
  }
  writeOut(`${text}\n`);
  const reply = readLine();
  if (reply === null) exit(0);
  return reply;
}

/** Modules imported before a snapshot is taken, so runs do not pay for loading them. */
const PRELOAD = `
import ast, json, re, collections, datetime, itertools, math, queue, random, stat, statistics, time
import unicodedata, functools, fractions, decimal, heapq, bisect, copy, textwrap, enum, typing
`;

async function loadRuntime(extra) {
  const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
  return loadPyodide({
    indexURL,
    jsglobals: Object.create(null),
    env: { HOME: "/home/sandbox" },
    // Given here so Pyodide never opens process.stdin: that would make fd 0 non-blocking, and
    // every blocking protocol read would turn into a polling loop.
    stdin: () => null,
    stdout: () => {},
    stderr: () => {},
    checkAPIVersion: true,
    ...extra,
  });
}

/**
 * Snapshot mode: boot once, define the runner and preload the safe modules, and write the memory
 * snapshot to stdout; run-mode processes then restore it instead of initialising CPython again.
 */
async function makeSnapshot() {
  const pyodide = await loadRuntime({ _makeSnapshot: true });
  pyodide.runPython(readFileSync(runnerPath, "utf8"));
  pyodide.runPython(BOOT);
  pyodide.runPython(PRELOAD);
  writeOut(pyodide.makeMemorySnapshot());
}

async function boot() {
  const started = performance.now();
  const snapshot = snapshotPath ? readFileSync(snapshotPath) : null;
  const snapshotBytes = snapshot
    ? new Uint8Array(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength)
    : null;
  const pyodide = await loadRuntime(snapshotBytes ? { _loadSnapshot: snapshotBytes } : {});
  pyodide.setStdout({ write: (buf) => buf.length });
  pyodide.setStderr({ write: (buf) => buf.length });
  pyodide.setStdin({ stdin: () => null });
  const globals = pyodide.globals;
  if (!snapshot) {
    pyodide.runPython(readFileSync(runnerPath, "utf8"), { globals });
    pyodide.runPython(BOOT, { globals });
  }
  const handle = globals.get("_troupe_handle");
  pyodide.unregisterJsModule("js");
  pyodide.unregisterJsModule("pyodide_js");
  pyodide.runPython(LOCKDOWN, { globals });
  lockdownJs(pyodide);
  // Prime the exec path (parse, compile, JSON) so a run's first step is as fast as the others.
  handle('{"type":"exec","id":"warm","code":"1 + 1"}', hostCall);
  return { handle, bootMs: performance.now() - started };
}

/** Answer one request line; an exception escaping the runner leaves the interpreter unknown: exit. */
function serve(handle, requestLine) {
  try {
    writeOut(`${handle(requestLine, hostCall)}\n`);
    return true;
  } catch (error) {
    const text = String(error?.message ?? error);
    const overflow = /Maximum call stack size exceeded/.test(text);
    let id = null;
    try {
      id = jsonParse(requestLine).id ?? null;
    } catch {
      // not JSON: answered with a null id, which the host treats as a protocol error
    }
    send({
      type: "done",
      id,
      output: null,
      logs: "",
      isFinalAnswer: false,
      error: overflow
        ? {
            type: "ExecutionError",
            pythonType: "RecursionError",
            message:
              "RecursionError: maximum recursion depth exceeded (the sandbox was restarted: variables are lost)",
          }
        : {
            type: "SandboxError",
            message: `${text.slice(0, 2000)} (the sandbox was restarted: variables are lost)`,
          },
      fatal: true,
    });
    return false;
  }
}

async function main() {
  if (mode === "snapshot") {
    await makeSnapshot();
    exit(0);
  }
  const { handle, bootMs } = await boot();
  send({ type: "ready", bootMs });
  for (;;) {
    const line = readLine();
    if (line === null) break;
    if (line.length === 0) continue;
    if (!serve(handle, line)) break;
  }
  exit(0);
}

main().catch((error) => {
  try {
    writeSync(2, String(error?.stack ?? error));
  } finally {
    exit(1);
  }
});
