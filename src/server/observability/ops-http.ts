import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { checkReadiness, type ReadinessCheck } from "./readiness";

/** What the operations endpoints serve: the readiness checks, the metrics and who may read them. */
export interface OperationsOptions {
  checks: readonly ReadinessCheck[];
  registry: Registry;
  /** Bearer token /metrics asks for; undefined: open when `metricsOpenWithoutToken`, else 404. */
  metricsToken: string | undefined;
  metricsOpenWithoutToken: boolean;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse, options: OperationsOptions) {
  if (options.metricsToken === undefined) {
    if (!options.metricsOpenWithoutToken) return json(res, 404, { error: "Not found" });
  } else if (!bearerMatches(req, options.metricsToken)) {
    res.setHeader("www-authenticate", 'Bearer realm="metrics"');
    return json(res, 401, { error: "A valid Authorization: Bearer <METRICS_TOKEN> header is required." });
  }
  const body = await options.registry.metrics();
  res.writeHead(200, { "content-type": options.registry.contentType, "cache-control": "no-store" });
  res.end(body);
}

/**
 * /healthz (the process is up: 200), /readyz (200 when every check passes, else 503; the JSON body
 * names each check and why it fails) and /metrics (Prometheus text). Returns false for any other
 * path, which the caller handles (Next in the web process, 404 in the worker).
 */
export function operationsHandler(options: OperationsOptions) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/healthz" && path !== "/readyz" && path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      json(res, 405, { error: "Method not allowed" });
      return true;
    }
    const answer = async () => {
      if (path === "/healthz") return json(res, 200, { status: "ok" });
      if (path === "/readyz") {
        const report = await checkReadiness(options.checks);
        return json(res, report.ready ? 200 : 503, report);
      }
      return serveMetrics(req, res, options);
    };
    answer().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
    return true;
  };
}

/** A worker's small HTTP server: the operations endpoints only, on `port` of `host`. */
export async function startOperationsServer(
  options: OperationsOptions & { port: number; host: string },
): Promise<Server> {
  const handle = operationsHandler(options);
  const server = createServer((req, res) => {
    if (!handle(req, res)) json(res, 404, { error: "Not found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
