/**
 * What the tRPC endpoint's web boundary (src/server/http/trpc-handler.ts) costs and refuses:
 * per-request time with and without it, for queries, batches and bodies of growing size, and how
 * fast oversized, cross-site and non-JSON requests are turned away. No database: every call is
 * signed out, so procedures stop at UNAUTHORIZED after the boundary and tRPC's own parsing.
 *
 *   npx tsx bench/api/boundary.ts
 */
import { performance } from "node:perf_hooks";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { trpcBounds } from "~/lib/trpc-bounds";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { appOrigins } from "~/server/http/origin";
import { createTrpcHandler, TRPC_ENDPOINT } from "~/server/http/trpc-handler";
import { logger } from "~/server/logger";

const origin = appOrigins()[0]!;
const base = `${origin}${TRPC_ENDPOINT}`;
const guarded = createTrpcHandler({
  getSession: async () => null,
  logger: logger.child({}, { level: "silent" }),
});
const bare = (req: Request) =>
  fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers, session: null }),
  });

type Handler = (request: Request) => Promise<Response>;

async function measure(label: string, handler: Handler, make: () => Request, runs: number): Promise<void> {
  let status = 0;
  for (let i = 0; i < Math.min(20, runs); i++) status = (await handler(make())).status;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const request = make();
    const start = performance.now();
    const response = await handler(request);
    await response.arrayBuffer();
    times.push(performance.now() - start);
    status = response.status;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
  console.log(
    `${label.padEnd(46)} ${String(status).padStart(3)}  p50 ${at(0.5).padStart(8)} ms  p95 ${at(0.95).padStart(8)} ms`,
  );
}

/** A mutation of about `bytes`; with its Content-Length as browsers send it, or chunked. */
const post =
  (bytes: number, headers: Record<string, string> = {}, chunked = false) =>
  () => {
    const body = JSON.stringify({ json: { teamId: "t", name: "x".repeat(Math.max(0, bytes - 40)) } });
    const length: Record<string, string> = chunked
      ? {}
      : { "content-length": String(Buffer.byteLength(body)) };
    return new Request(`${base}/workflow.create`, {
      method: "POST",
      headers: { origin, "content-type": "application/json", ...length, ...headers },
      body,
    });
  };
const batch = (size: number) => () => {
  const input = Object.fromEntries(Array.from({ length: size }, (_, i) => [i, { json: null }]));
  const paths = Array.from({ length: size }, () => "team.list").join(",");
  return new Request(`${base}/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`);
};

console.log(
  `limits: ${trpcBounds.maxBatchSize} procedures per batch, ${trpcBounds.maxBodyBytes} bytes per body\n`,
);
for (const [name, handler] of [
  ["bare", bare],
  ["guarded", guarded],
] as const) {
  await measure(`${name}: query`, handler, batch(1), 2000);
  await measure(`${name}: batch of ${trpcBounds.maxBatchSize}`, handler, batch(trpcBounds.maxBatchSize), 500);
  await measure(`${name}: mutation, 1 KB`, handler, post(1024), 2000);
  await measure(`${name}: mutation, 1 MB`, handler, post(1024 * 1024), 100);
  await measure(`${name}: mutation, 5 MB`, handler, post(5 * 1024 * 1024), 30);
  await measure(`${name}: mutation, 5 MB chunked`, handler, post(5 * 1024 * 1024, {}, true), 30);
}
console.log("");
await measure(
  `refused: batch of ${trpcBounds.maxBatchSize + 1}`,
  guarded,
  batch(trpcBounds.maxBatchSize + 1),
  500,
);
await measure("refused: 7 MB body, declared", guarded, post(7 * 1024 * 1024), 30);
await measure("refused: 7 MB body, chunked", guarded, post(7 * 1024 * 1024, {}, true), 30);
await measure(
  "refused: another site's origin",
  guarded,
  post(1024, { origin: "https://attacker.example" }),
  2000,
);
await measure("refused: text/plain", guarded, post(1024, { "content-type": "text/plain" }), 2000);
