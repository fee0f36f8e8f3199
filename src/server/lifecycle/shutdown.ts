import "server-only";
import type { Server as HttpServer } from "node:http";
import type { Server as SocketServer } from "socket.io";
import { env } from "~/env";
import type { Logger } from "~/server/logger";

/** Socket.IO event sent to every browser before its connection is dropped by a stopping web process. */
export const SERVER_SHUTTING_DOWN = "server:shutting-down";

/** The grace period of a stopping process (SHUTDOWN_GRACE_SECONDS), in milliseconds. */
export function shutdownGraceMs(): number {
  return env.SHUTDOWN_GRACE_SECONDS * 1000;
}

/**
 * Run `stop` once, on the first SIGTERM or SIGINT, then exit: 0 when it finished, 1 when it threw or
 * took longer than the grace period and `marginMs` (a stop that hangs must not keep the process).
 */
export function onTerminationSignal(
  stop: (signal: NodeJS.Signals) => Promise<void>,
  options: { logger: Logger; graceMs: number; marginMs?: number },
): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal, graceSeconds: options.graceMs / 1000 }, "shutting down");
    const force = setTimeout(
      () => {
        options.logger.warn("shutdown took longer than its grace period; exiting");
        process.exit(1);
      },
      options.graceMs + (options.marginMs ?? 15_000),
    );
    force.unref();
    stop(signal).then(
      () => {
        options.logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", handle);
  process.once("SIGTERM", handle);
}

/**
 * Hand every browser over to another web process: say so, then close each socket's transport. A
 * client sees a lost connection and reconnects (behind a load balancer, to a process still serving),
 * where it subscribes again from the last event it holds; a server-side `disconnect()` would instead
 * tell socket.io-client not to reconnect.
 */
export function dropSocketsForReconnect(io: SocketServer): number {
  let dropped = 0;
  for (const socket of io.sockets.sockets.values()) {
    socket.emit(SERVER_SHUTTING_DOWN);
    socket.conn.close();
    dropped++;
  }
  return dropped;
}

/**
 * Stop accepting connections and let the requests in flight finish within `graceMs`; then close
 * whatever is left. Resolves once the server is closed.
 */
export async function drainHttpServer(server: HttpServer, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Keep-alive connections that finish a request now are closed as they go idle.
  const idle = setInterval(() => server.closeIdleConnections(), 250);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearInterval(idle);
  clearTimeout(deadline);
}
