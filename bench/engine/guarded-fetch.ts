import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { OutboundGuard } from "~/agents/net/guarded-fetch";

/**
 * What the guarded fetch costs over Node's fetch, against a loopback server the policy allows:
 * sequential small GETs (latency, p50/p95), a 5 MB body streamed through the size cap
 * (throughput), and how long a refusal takes (a literal private address: no connection is made).
 *
 *   npx tsx bench/engine/guarded-fetch.ts [requests=2000]
 */

const requests = Number(process.argv[2] ?? 2000);
const big = Buffer.alloc(5 * 1024 * 1024, 120);
const server = createServer((request, response) => {
  if (request.url === "/big") response.end(big);
  else response.end('{"ok":true}');
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const guard = new OutboundGuard({ allow: [new URL(origin).host] });
const guarded = guard.fetch();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(label: string, fetchImpl: typeof fetch): Promise<void> {
  for (let i = 0; i < 200; i++) await (await fetchImpl(`${origin}/small`)).text();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await (await fetchImpl(`${origin}/small`)).text();
    times.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(14)} small GET p50 ${percentile(times, 50).toFixed(3)} ms, p95 ${percentile(times, 95).toFixed(3)} ms, CPU ${((used.user + used.system) / 1000 / requests).toFixed(3)} ms per request`,
  );
}

async function throughput(label: string, fetchImpl: typeof fetch): Promise<void> {
  const rounds = 20;
  await (await fetchImpl(`${origin}/big`)).arrayBuffer();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await (await fetchImpl(`${origin}/big`)).arrayBuffer();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(14)} 5 MB body ${((rounds * big.length) / (1024 * 1024) / seconds).toFixed(0)} MB/s`,
  );
}

await latency("node fetch", fetch);
await latency("guarded fetch", guarded);
await throughput("node fetch", fetch);
await throughput("guarded fetch", guarded);

const refusals: number[] = [];
for (let i = 0; i < 1000; i++) {
  const started = performance.now();
  await guarded("http://169.254.169.254/latest/meta-data/").catch(() => undefined);
  refusals.push(performance.now() - started);
}
refusals.sort((a, b) => a - b);
console.log(`guarded fetch  refusal p50 ${percentile(refusals, 50).toFixed(3)} ms`);

await guard.close();
server.close();
