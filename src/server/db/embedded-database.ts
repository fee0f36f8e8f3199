import "server-only";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A PGlite database served over the Postgres wire protocol on a local socket. */
export type EmbeddedDatabase = { url: string; dataDir: string; stop(): Promise<void> };

/** Unix socket paths are capped near 108 bytes; longer data dirs fall back to a loopback TCP port. */
const MAX_SOCKET_PATH = 100;
const SOCKET_NAME = ".s.PGSQL.5432";
const LOCK_NAME = "troupe.lock";

/** Thrown when another live process already serves this data dir. */
export class DataDirInUseError extends Error {
  readonly kind = "operational" as const;
  constructor(dataDir: string, pid: number) {
    super(`The embedded database in ${dataDir} is in use by process ${pid}. Stop it, or set DATABASE_URL.`);
    this.name = "DataDirInUseError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Data dirs this process has open; on globalThis so a reloaded copy of this module sees them too. */
const heldKey = Symbol.for("troupe.db.embedded-held");
const heldHolder = globalThis as { [key: symbol]: Set<string> | undefined };
heldHolder[heldKey] ??= new Set();
const held: Set<string> = heldHolder[heldKey];

/**
 * Takes `<dataDir>/troupe.lock` for this process, replacing a lock left by a process that died. A lock
 * naming our own pid that we do not hold is stale too: a restarted container often gets the same pid.
 */
function takeLock(dataDir: string): string {
  if (held.has(dataDir)) throw new DataDirInUseError(dataDir, process.pid);
  const lockPath = join(dataDir, LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lockPath;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirInUseError(dataDir, pid);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}

/** Removes a socket file nobody listens on (left by a crash); refuses if something still answers. */
async function clearStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const answered = await new Promise<boolean>((done) => {
    const probe = connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      done(true);
    });
    probe.once("error", () => done(false));
  });
  if (answered) throw new Error(`Something is already listening on ${socketPath}`);
  unlinkSync(socketPath);
}

/**
 * Opens (or creates) the PGlite database in `dataDir` and serves it on a Unix socket inside that folder
 * (or 127.0.0.1 on a free port when the path is too long). `url` is a postgres:// URL any `pg` client can
 * use; PGlite runs one query at a time, so clients should keep a pool of one.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = takeLock(dir);
  held.add(dir);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  const socketPath = join(dir, SOCKET_NAME);
  const useSocket = process.platform !== "win32" && socketPath.length <= MAX_SOCKET_PATH;
  try {
    db = await PGlite.create({ dataDir: dir });
    let url: string;
    if (useSocket) {
      await clearStaleSocket(socketPath);
      server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 16 });
      await server.start();
      // Trust auth behind it: only this user may connect.
      chmodSync(socketPath, 0o600);
      url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
    } else {
      server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 });
      await server.start();
      url = `postgresql://postgres@${server.getServerConn()}/postgres`;
    }
    const running = { db, server };
    let stopped: Promise<void> | undefined;
    return {
      url,
      dataDir: dir,
      stop() {
        stopped ??= (async () => {
          await running.server.stop();
          await running.db.close();
          if (useSocket) rmSync(socketPath, { force: true });
          rmSync(lockPath, { force: true });
          held.delete(dir);
        })();
        return stopped;
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    rmSync(lockPath, { force: true });
    held.delete(dir);
    throw error;
  }
}
