import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BullmqRunQueue } from "~/server/runs/bullmq-queue";
import { InProcessRunQueue } from "~/server/runs/in-process-queue";
import type { RunJob, RunQueue } from "~/server/runs/run-queue";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const backends: Array<[string, () => RunQueue]> = [
  ["in-process", () => new InProcessRunQueue()],
  ["bullmq", () => new BullmqRunQueue({ redisUrl: REDIS_URL, name: `test-${randomUUID()}` })],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for the queue");
    await sleep(10);
  }
}

describe.each(backends)("RunQueue conformance: %s", (_name, makeQueue) => {
  let queue: RunQueue;
  afterEach(async () => {
    await queue?.close(100);
  });

  it("delivers each queued run once, on its first attempt", async () => {
    queue = makeQueue();
    const seen: RunJob[] = [];
    queue.work(
      async (job) => {
        seen.push(job);
      },
      { concurrency: 4 },
    );
    const ids = Array.from({ length: 10 }, (_, i) => `r${i}-${randomUUID()}`);
    for (const id of ids) await queue.enqueue(id);
    await until(() => seen.length === ids.length);
    await sleep(100);
    expect(seen.map((j) => j.runId).sort()).toEqual([...ids].sort());
    expect(seen.every((j) => j.attempt === 1)).toBe(true);
  });

  it("never runs more jobs at once than its concurrency", async () => {
    queue = makeQueue();
    let running = 0;
    let peak = 0;
    let done = 0;
    queue.work(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(50);
        running--;
        done++;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 9; i++) await queue.enqueue(`c${i}-${randomUUID()}`);
    await until(() => done === 9);
    expect(peak).toBe(3);
  });

  it("ignores a second enqueue of a run that is still waiting", async () => {
    queue = makeQueue();
    const id = `dup-${randomUUID()}`;
    await queue.enqueue(id);
    await queue.enqueue(id);
    expect(await queue.pendingCount()).toBe(1);
    const seen: string[] = [];
    queue.work(
      async (job) => {
        seen.push(job.runId);
      },
      { concurrency: 2 },
    );
    await until(() => seen.length === 1);
    await sleep(200);
    expect(seen).toEqual([id]);
  });

  it("keeps going after a processor throws", async () => {
    queue = makeQueue();
    const seen: string[] = [];
    queue.work(
      async (job) => {
        seen.push(job.runId);
        if (job.runId.startsWith("bad")) throw new Error("boom");
      },
      { concurrency: 1 },
    );
    await queue.enqueue(`bad-${randomUUID()}`);
    await queue.enqueue(`good-${randomUUID()}`);
    await until(() => seen.length === 2);
    expect(seen[1]).toMatch(/^good-/);
  });

  it("aborts an active run's signal when closed past the grace period", async () => {
    queue = makeQueue();
    let aborted = false;
    let started = false;
    queue.work(
      (_job, signal) =>
        new Promise<void>((resolve) => {
          started = true;
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve();
          });
        }),
      { concurrency: 1 },
    );
    await queue.enqueue(`long-${randomUUID()}`);
    await until(() => started);
    await queue.close(50);
    expect(aborted).toBe(true);
  });
});
