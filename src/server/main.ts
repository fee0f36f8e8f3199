/**
 * The Troupe web process: one HTTP server carrying Next.js and Socket.IO on PORT.
 * `npm start` runs it in production mode after building; `npm run dev` runs it with `--dev`.
 */
import "server-only";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { Server as SocketServer } from "socket.io";
import { env, mode } from "~/env";
import { runStreamPath } from "~/lib/run-stream";
import { setOnboarding } from "~/server/auth/onboarding";
import { socketAuth } from "~/server/auth/socket-auth";
import { CLIENT_ADDRESS_HEADER, clientAddress } from "~/server/client-address";
import { db, startDatabase } from "~/server/db";
import { appOrigins, socketOriginCheck } from "~/server/http/origin";
import {
  drainHttpServer,
  dropSocketsForReconnect,
  onTerminationSignal,
  shutdownGraceMs,
} from "~/server/lifecycle/shutdown";
import { logger } from "~/server/logger";
import { observedGauge } from "~/server/observability/metrics";
import { operationsHandler } from "~/server/observability/ops-http";
import { operationsFromEnv, processReadinessChecks } from "~/server/observability/process-operations";
import { startTracing } from "~/server/observability/tracing";
import { seedDemoWorkflow } from "~/server/onboarding/demo-workflow";
import { startRuns } from "~/server/start-runs";

const SOCKET_PATH = runStreamPath;
const dev = process.argv.includes("--dev") || env.NODE_ENV === "development";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function main(): Promise<void> {
  logger.info(
    { mode: mode.embeddedDatabase ? "embedded" : "production", dev, redis: mode.redis },
    "starting Troupe",
  );
  // Before the database and the worker: their spans are exported from the start.
  const stopTracing = startTracing({ service: "troupe-web", logger });
  const database = await startDatabase();
  // Every new user's personal team starts with the demo workflow (the sign-up form and OAuth).
  setOnboarding(seedDemoWorkflow);

  const app = next({ dev, dir: root, hostname: env.HOST, port: env.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();

  // /healthz, /readyz and /metrics are answered here, before Next, whose bundles would hold
  // another metrics registry; set once the runs side (and its sandbox pool) has started.
  let operations: ReturnType<typeof operationsHandler> | undefined;
  const server = createServer((req, res) => {
    if (operations?.(req, res)) return;
    // Set on every request, replacing any the client sent: the rate limits behind Next read it.
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req, env.TRUST_PROXY);
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
    });
  });

  // Socket.IO shares the port; other upgrades (Next's dev HMR) go to Next. A browser's handshake
  // from another site is refused (cross-site WebSocket hijacking).
  const io = new SocketServer(server, {
    path: SOCKET_PATH,
    serveClient: false,
    destroyUpgrade: false,
    allowRequest: socketOriginCheck(),
  });
  io.use((socket, nextFn) => void socketAuth(socket, nextFn));
  io.on("connection", (socket) => logger.debug({ socketId: socket.id }, "socket connected"));
  const runs = await startRuns({ io, db, logger });
  const checks = processReadinessChecks({ db, pool: runs.pool });
  operations = operationsHandler(operationsFromEnv(checks));
  observedGauge(
    "troupe_socketio_connections",
    "Socket.IO connections open on this web process.",
    () => io.engine.clientsCount,
  );
  if (dev) {
    const upgrade = app.getUpgradeHandler();
    server.on("upgrade", (req, socket, head) => {
      if (!req.url?.startsWith(SOCKET_PATH)) void upgrade(req, socket, head);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, resolve);
  });
  logger.info(
    { url: `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`, origins: appOrigins() },
    "Troupe is ready",
  );

  // Stop accepting, hand browsers to another process, let requests and the embedded worker's runs
  // finish within the grace period, then close the rest (src/server/lifecycle/shutdown.ts).
  const graceMs = shutdownGraceMs();
  onTerminationSignal(
    async () => {
      const drained = drainHttpServer(server, graceMs);
      const dropped = dropSocketsForReconnect(io);
      logger.info({ sockets: dropped }, "stopped accepting; browsers told to reconnect");
      await Promise.all([drained, runs.stop(graceMs)]);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await Promise.all(checks.map((check) => check.close?.()));
      await stopTracing();
      await app.close();
      await database.stop();
    },
    { logger, graceMs },
  );
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "Troupe failed to start");
  process.exit(1);
});
