import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";

/**
 * How a Pyodide sandbox process is confined by the host, beyond what it does to itself. Each layer
 * stands on its own: the sandbox holds even if model code reaches the JavaScript side of Pyodide.
 */
export interface SandboxIsolation {
  /** Node's permission model: reads only under Pyodide's package and the sandbox's own files; no writes, child processes, workers or addons. */
  permissionModel: boolean;
  /** A network namespace of its own (`unshare -n`): no route to loopback, the LAN or the internet. */
  networkNamespace: boolean;
  /** The child starts with no environment variables (no keys, no DATABASE_URL). */
  emptyEnvironment: true;
  /** Only the protocol pipes (stdin, stdout, stderr); no other inherited descriptor. */
  stdioOnly: true;
  /** Why a layer is missing, for the start-up log. */
  warnings: string[];
}

/** The permission-model flag of this Node (`--permission` from 22, experimental before), or null. */
export function permissionFlag(nodeVersion = process.versions.node): string | null {
  const major = Number(nodeVersion.split(".")[0]);
  if (major >= 22) return "--permission";
  if (major >= 20) return "--experimental-permission";
  return null;
}

const UNSHARE = "unshare";
/** Nothing of the host's environment reaches a sandbox process. */
const EMPTY_ENV = {} as unknown as NodeJS.ProcessEnv;
let netnsPrefix: string[] | null | undefined;
let netnsWarning = "";

/**
 * The command prefix that gives a child its own network namespace, probed once per process:
 * `unshare -n` (root or CAP_SYS_ADMIN), else `unshare -r -n` (unprivileged user namespaces), else none.
 */
export function networkNamespacePrefix(): string[] | null {
  if (netnsPrefix !== undefined) return netnsPrefix;
  netnsPrefix = null;
  const failures: string[] = [];
  for (const flags of [["-n"], ["-r", "-n"]]) {
    const probe = spawnSync(UNSHARE, [...flags, process.execPath, "-e", "0"], {
      env: EMPTY_ENV,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 10_000,
    });
    if (probe.status === 0) {
      netnsPrefix = [UNSHARE, ...flags];
      return netnsPrefix;
    }
    const reason = probe.error?.message ?? probe.stderr?.toString().trim().split("\n")[0] ?? "";
    failures.push(`unshare ${flags.join(" ")}: ${reason || `exit ${probe.status}`}`);
  }
  netnsWarning = `no network namespace for the Pyodide sandbox (${failures.join("; ")}); it relies on its in-process lockdown for the network`;
  return netnsPrefix;
}

/** The isolation layers a Pyodide sandbox process gets on this host (probes once). */
export function sandboxIsolation(): SandboxIsolation {
  const warnings: string[] = [];
  const permission = permissionFlag() !== null;
  if (!permission) {
    warnings.push(`Node ${process.versions.node} has no permission model: the sandbox can read host files`);
  }
  const netns = networkNamespacePrefix() !== null;
  if (!netns) warnings.push(netnsWarning);
  return {
    permissionModel: permission,
    networkNamespace: netns,
    emptyEnvironment: true,
    stdioOnly: true,
    warnings,
  };
}

/** What to start in a sandbox process. */
export interface SandboxProcessOptions {
  /** Absolute path of the ESM entry file node runs. */
  entry: string;
  /** Arguments after the entry. */
  args: string[];
  /** Files and folders the process may read (the entry and its imports must be among them). */
  readPaths: string[];
  /** V8 heap cap of the process (MiB). */
  maxOldSpaceMb: number;
}

/**
 * Start `node <entry>` confined as `sandboxIsolation()` reports: permission model with reads only
 * under `readPaths`, no fetch global, an empty environment, three pipes, and its own network
 * namespace where the host allows. Not detached: a new session would also be a new scheduler autogroup,
 * which made every protocol round trip several times slower on a loaded host; the process cannot
 * start children, so killing its pid (unshare execs node) stops everything.
 */
export function spawnSandboxProcess(options: SandboxProcessOptions): ChildProcessWithoutNullStreams {
  const flags = ["--no-warnings", "--no-addons", `--max-old-space-size=${options.maxOldSpaceMb}`];
  const permission = permissionFlag();
  if (permission) {
    flags.push(permission, ...options.readPaths.map((path) => `--allow-fs-read=${path}`));
  }
  if (Number(process.versions.node.split(".")[0]) < 22) flags.push("--no-experimental-fetch");
  const command = [process.execPath, ...flags, options.entry, ...options.args];
  const prefix = networkNamespacePrefix() ?? [];
  const [file, ...args] = [...prefix, ...command] as [string, ...string[]];
  return spawn(file, args, {
    env: EMPTY_ENV,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Kill a sandbox process now. */
export function killSandboxProcess(child: ChildProcessWithoutNullStreams): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
}
