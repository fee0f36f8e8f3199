// Worker-thread entry of the Pyodide sandbox (plain ESM so it loads under node, tsx and vitest alike).
//
// Boot: load Pyodide from the npm package directory with an empty `js` module, load the shared runner,
// then lock the thread down before any model code runs: no `js`/`pyodide_js` modules, no JS-reaching
// Python modules, no code generation from strings, no process/fetch/require globals, no FS mounts.
// Host messages: {type:"request", line} → runs Runner.handle synchronously → {type:"done", line}.
// A tool call from Python posts {type:"call", line} and blocks on Atomics.wait until the host stores a
// result on the MessagePort it gave us and notifies; the result is then read with receiveMessageOnPort.
import { pathToFileURL } from "node:url";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { capWasmMemory } from "./wasm-memory-cap.mjs";

const {
  indexURL,
  runnerSource,
  signal: signalBuffer,
  resultPort,
  memoryMb,
  mode,
  snapshot,
  wasmModule,
} = workerData;
const signal = new Int32Array(signalBuffer);
const post = parentPort.postMessage.bind(parentPort);
const receive = receiveMessageOnPort;
const atomicsWait = Atomics.wait;
const atomicsStore = Atomics.store;
const jsonParse = JSON.parse;

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
del _name, _sys, _builtins
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
  if (wasmModule && patchedImports !== imports && isBytes(source)) {
    // The host compiled (and memory-capped) Pyodide's module once; instantiate that instead.
    return instantiate(wasmModule, patchedImports).then((instance) => ({ module: wasmModule, instance }));
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

/** Synchronous bridge from Python to the host: a string in, a string out, nothing else reachable. */
function hostCall(line) {
  atomicsStore(signal, 0, 0);
  post({ type: "call", line: String(line) });
  atomicsWait(signal, 0, 0);
  const message = receive(resultPort);
  if (!message) return '{"type":"result","ok":false,"error":"No reply from host"}';
  return message.message;
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
    stdout: () => {},
    stderr: () => {},
    checkAPIVersion: true,
    ...extra,
  });
}

/**
 * Snapshot mode: boot once, define the runner and preload the safe modules, and hand the memory
 * snapshot to the host; run-mode workers then restore it instead of initialising CPython again.
 */
async function makeSnapshot() {
  const pyodide = await loadRuntime({ _makeSnapshot: true });
  pyodide.runPython(runnerSource);
  pyodide.runPython(BOOT);
  pyodide.runPython(PRELOAD);
  const bytes = pyodide.makeMemorySnapshot();
  post({ type: "snapshot", snapshot: bytes }, [bytes.buffer]);
}

async function boot() {
  const started = performance.now();
  const pyodide = await loadRuntime(snapshot ? { _loadSnapshot: new Uint8Array(snapshot) } : {});
  pyodide.setStdout({ write: (buf) => buf.length });
  pyodide.setStderr({ write: (buf) => buf.length });
  pyodide.setStdin({ stdin: () => null });
  const globals = pyodide.globals;
  if (!snapshot) {
    pyodide.runPython(runnerSource, { globals });
    pyodide.runPython(BOOT, { globals });
  }
  const handle = globals.get("_troupe_handle");
  pyodide.runPython(LOCKDOWN, { globals });
  pyodide.unregisterJsModule("js");
  pyodide.unregisterJsModule("pyodide_js");
  lockdownJs(pyodide);
  // Prime the exec path (parse, compile, JSON) so a run's first step is as fast as the others.
  handle('{"type":"exec","id":"warm","code":"1 + 1"}', hostCall);
  return { handle, bootMs: performance.now() - started };
}

if (mode === "snapshot") {
  makeSnapshot().catch((error) => post({ type: "fatal", message: String(error?.stack ?? error) }));
}

const ready = mode === "snapshot" ? new Promise(() => {}) : boot();

if (mode !== "snapshot") {
  ready.then(
    ({ bootMs }) => post({ type: "ready", bootMs }),
    (error) => post({ type: "fatal", message: String(error?.stack ?? error) }),
  );
}

parentPort.on("message", async (message) => {
  if (message?.type !== "request") return;
  const { handle } = await ready;
  let line;
  let fatal = false;
  try {
    line = handle(message.line, hostCall);
  } catch (error) {
    // An exception escaping the runner means the interpreter's state is unknown: answer, then retire.
    fatal = true;
    const text = String(error?.message ?? error);
    const overflow = /Maximum call stack size exceeded/.test(text);
    line = JSON.stringify({
      type: "done",
      id: jsonParse(message.line).id ?? null,
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
    });
  }
  post({ type: "done", line, fatal });
});
