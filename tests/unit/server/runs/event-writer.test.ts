import { describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { type RunEventBatch, RunEventWriter, type RunEventWriterOptions } from "~/server/runs/event-writer";

/**
 * RunEventWriter, the worker's group commit of run events, against an in-memory store: what is
 * stored together, when, in which order, and how one run's failure stays that run's.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(runId: string, seq: number): RunEvent {
  return { type: "step_started", runId, agentPath: ["agent"], seq, ts: 0, stepNumber: seq };
}

/** A batch as the test reads it: the run and its seqs. */
const seqs = (batches: readonly RunEventBatch[]) =>
  batches.map((batch) => ({ runId: batch.runId, seqs: batch.events.map((e) => e.seq) }));

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An in-memory store that records every call (one call = one statement), what it holds per run,
 * how many calls overlap, and can be held open or made to fail per call.
 */
function memoryStore() {
  const calls: RunEventBatch[][] = [];
  const stored = new Map<string, number[]>();
  const handedOn: { runId: string; seqs: number[] }[] = [];
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let hold: Deferred | undefined;
  let fail: (batches: readonly RunEventBatch[]) => Error | undefined = () => undefined;

  const options: RunEventWriterOptions = {
    store: async (batches) => {
      calls.push(batches.map((b) => ({ runId: b.runId, events: [...b.events] })));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const gate = hold;
        if (gate) await gate.promise;
        const error = fail(batches);
        if (error) throw error;
        for (const batch of batches) {
          const list = stored.get(batch.runId) ?? [];
          list.push(...batch.events.map((e) => e.seq));
          stored.set(batch.runId, list);
          log.push(`stored ${batch.runId}`);
        }
      } finally {
        inFlight--;
      }
    },
    onStored: (batch) => {
      handedOn.push({ runId: batch.runId, seqs: batch.events.map((e) => e.seq) });
      log.push(`handed on ${batch.runId}`);
    },
  };
  return {
    options,
    calls,
    stored,
    handedOn,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Hold every store call until the returned gate is opened. */
    holdCalls(): Deferred {
      hold = deferred();
      return hold;
    },
    release() {
      hold?.resolve();
      hold = undefined;
    },
    failWhen(predicate: (batches: readonly RunEventBatch[]) => Error | undefined) {
      fail = predicate;
    },
  };
}

/** Wait until `condition` holds (polling the microtask and timer queues), or fail after `ms`. */
async function until(condition: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(1);
  }
}

describe("RunEventWriter", () => {
  it("stores the events of several runs pushed in the same tick in one store call, each run's in order", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 5 });
    writer.push("a", event("a", 0));
    writer.push("b", event("b", 0));
    writer.push("a", event("a", 1));
    writer.push("c", event("c", 0));
    writer.push("b", event("b", 1));
    writer.push("a", event("a", 2));

    await until(() => store.handedOn.length === 3);
    await Promise.all(["a", "b", "c"].map((run) => writer.drain(run)));

    expect(store.calls.map(seqs)).toEqual([
      [
        { runId: "a", seqs: [0, 1, 2] },
        { runId: "b", seqs: [0, 1] },
        { runId: "c", seqs: [0] },
      ],
    ]);
    expect(store.handedOn).toEqual([
      { runId: "a", seqs: [0, 1, 2] },
      { runId: "b", seqs: [0, 1] },
      { runId: "c", seqs: [0] },
    ]);
  });

  it("waits the interval for more events to join the first one before storing", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 60 });
    writer.push("a", event("a", 0));
    await sleep(20);
    expect(store.calls).toHaveLength(0);
    writer.push("b", event("b", 0));
    await until(() => store.calls.length === 1);
    await sleep(30);
    expect(store.calls.map(seqs)).toEqual([
      [
        { runId: "a", seqs: [0] },
        { runId: "b", seqs: [0] },
      ],
    ]);
  });

  it("runs one store at a time and gathers the events pushed during a store into the next single call", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 1 });
    store.holdCalls();
    writer.push("a", event("a", 0));
    await until(() => store.calls.length === 1);

    // The first store is in flight: everything pushed now waits for it, well past the interval.
    writer.push("a", event("a", 1));
    writer.push("b", event("b", 0));
    await sleep(15);
    writer.push("c", event("c", 0));
    writer.push("b", event("b", 1));
    await sleep(15);
    expect(store.calls).toHaveLength(1);
    expect(store.handedOn).toEqual([]);

    store.release();
    await Promise.all(["a", "b", "c"].map((run) => writer.drain(run)));

    expect(store.maxInFlight).toBe(1);
    expect(store.calls.map(seqs)).toEqual([
      [{ runId: "a", seqs: [0] }],
      [
        { runId: "a", seqs: [1] },
        { runId: "b", seqs: [0, 1] },
        { runId: "c", seqs: [0] },
      ],
    ]);
    expect(store.stored).toEqual(
      new Map([
        ["a", [0, 1]],
        ["b", [0, 1]],
        ["c", [0]],
      ]),
    );
  });

  it("resolves drain only after the run's events are stored and handed on, flushing at once instead of waiting the interval", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 60_000 });
    const gate = store.holdCalls();
    writer.push("a", event("a", 0));
    writer.push("a", event("a", 1));
    await sleep(10);
    expect(store.calls).toHaveLength(0);

    let drained = false;
    const drain = writer.drain("a").then(() => {
      drained = true;
      store.log.push("drained a");
    });
    await until(() => store.calls.length === 1);
    await sleep(10);
    expect(drained).toBe(false);
    expect(store.handedOn).toEqual([]);

    gate.resolve();
    await drain;
    expect(store.log).toEqual(["stored a", "handed on a", "drained a"]);
    expect(store.handedOn).toEqual([{ runId: "a", seqs: [0, 1] }]);
  });

  it("makes drain wait for events pushed while an earlier flush is in flight, and flushes them right after it", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 60_000 });
    const first = store.holdCalls();
    writer.push("a", event("a", 0));
    const firstDrain = writer.drain("a");
    await until(() => store.calls.length === 1);

    writer.push("a", event("a", 1));
    let drained = false;
    const secondDrain = writer.drain("a").then(() => {
      drained = true;
    });
    const second = store.holdCalls();
    first.resolve();
    await firstDrain;
    // The first flush is over and the second one (a1) started at once, but is not stored yet.
    await until(() => store.calls.length === 2);
    await sleep(10);
    expect(drained).toBe(false);
    expect(store.handedOn).toEqual([{ runId: "a", seqs: [0] }]);
    second.resolve();
    await secondDrain;
    expect(drained).toBe(true);
    expect(store.calls.map(seqs)).toEqual([[{ runId: "a", seqs: [0] }], [{ runId: "a", seqs: [1] }]]);
    expect(store.handedOn).toEqual([
      { runId: "a", seqs: [0] },
      { runId: "a", seqs: [1] },
    ]);
  });

  it("resolves drain at once for a run with nothing pushed", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 60_000 });
    await writer.drain("never-pushed");
    expect(store.calls).toHaveLength(0);
  });

  it("flushes at once when maxEvents events are waiting, without waiting the interval", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 60_000, maxEvents: 3 });
    writer.push("a", event("a", 0));
    writer.push("b", event("b", 0));
    await sleep(20);
    expect(store.calls).toHaveLength(0);

    writer.push("a", event("a", 1));
    await until(() => store.handedOn.length === 2, 200);
    expect(store.calls.map(seqs)).toEqual([
      [
        { runId: "a", seqs: [0, 1] },
        { runId: "b", seqs: [0] },
      ],
    ]);
  });

  it("retries a failed multi-run store run by run: the good runs are stored and handed on, the bad run's drain rejects and it stores nothing more", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 5 });
    const broken = new Error("insert or update on table RunEvent violates foreign key constraint");
    store.failWhen((batches) => (batches.some((b) => b.runId === "bad") ? broken : undefined));

    writer.push("good1", event("good1", 0));
    writer.push("bad", event("bad", 0));
    writer.push("good2", event("good2", 0));
    writer.push("good1", event("good1", 1));

    await expect(writer.drain("bad")).rejects.toBe(broken);
    await writer.drain("good1");
    await writer.drain("good2");
    expect(store.calls.map(seqs)).toEqual([
      [
        { runId: "good1", seqs: [0, 1] },
        { runId: "bad", seqs: [0] },
        { runId: "good2", seqs: [0] },
      ],
      [{ runId: "good1", seqs: [0, 1] }],
      [{ runId: "bad", seqs: [0] }],
      [{ runId: "good2", seqs: [0] }],
    ]);
    expect(store.handedOn).toEqual([
      { runId: "good1", seqs: [0, 1] },
      { runId: "good2", seqs: [0] },
    ]);

    // The store would take the bad run's events now, but storing them would leave a gap at seq 0.
    store.failWhen(() => undefined);
    writer.push("bad", event("bad", 1));
    writer.push("good1", event("good1", 2));
    writer.push("bad", event("bad", 2));
    writer.push("good2", event("good2", 1));
    await writer.drain("good1");
    await writer.drain("good2");
    await expect(writer.drain("bad")).rejects.toBe(broken);

    expect(store.calls.slice(4).map(seqs)).toEqual([
      [
        { runId: "good1", seqs: [2] },
        { runId: "good2", seqs: [1] },
      ],
    ]);
    expect(store.calls.flat().some((b) => b.runId === "bad" && b.events.some((e) => e.seq > 0))).toBe(false);
    expect(store.stored).toEqual(
      new Map([
        ["good1", [0, 1, 2]],
        ["good2", [0, 1]],
      ]),
    );
    expect(store.handedOn.filter((b) => b.runId === "bad")).toEqual([]);
  });

  it("fails a run whose lone batch could not be stored and stores none of its later events", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 1 });
    const broken = new Error("connection reset");
    store.failWhen(() => broken);
    writer.push("a", event("a", 0));
    await expect(writer.drain("a")).rejects.toBe(broken);
    expect(store.calls).toHaveLength(1);

    store.failWhen(() => undefined);
    writer.push("a", event("a", 1));
    await expect(writer.drain("a")).rejects.toBe(broken);
    expect(store.calls).toHaveLength(1);
    expect(store.stored.size).toBe(0);
    expect(store.handedOn).toEqual([]);
  });

  it("reports an error thrown by onStored through drain of that run only, and stores nothing more for it", async () => {
    const store = memoryStore();
    const handedOn: string[] = [];
    const refused = new Error("publish failed");
    const writer = new RunEventWriter({
      ...store.options,
      intervalMs: 1,
      onStored: (batch) => {
        handedOn.push(`${batch.runId}:${batch.events.map((e) => e.seq).join(",")}`);
        if (batch.runId === "a") throw refused;
      },
    });
    writer.push("a", event("a", 0));
    writer.push("b", event("b", 0));
    await expect(writer.drain("a")).rejects.toBe(refused);
    await expect(writer.drain("b")).resolves.toBeUndefined();

    writer.push("a", event("a", 1));
    writer.push("b", event("b", 1));
    await writer.drain("b");
    await expect(writer.drain("a")).rejects.toBe(refused);

    expect(store.calls.map(seqs)).toEqual([
      [
        { runId: "a", seqs: [0] },
        { runId: "b", seqs: [0] },
      ],
      [{ runId: "b", seqs: [1] }],
    ]);
    expect(handedOn).toEqual(["a:0", "b:0", "b:1"]);
  });

  it("forgets a run's failure once the run has ended", async () => {
    const store = memoryStore();
    const writer = new RunEventWriter({ ...store.options, intervalMs: 1 });
    const broken = new Error("boom");
    store.failWhen(() => broken);
    writer.push("a", event("a", 0));
    await expect(writer.drain("a")).rejects.toBe(broken);
    writer.forget("a");
    await expect(writer.drain("a")).resolves.toBeUndefined();
  });

  it("calls onFailed once per failed run as soon as its write fails, before any drain, and never for a stored run", async () => {
    const store = memoryStore();
    const failed: [string, unknown][] = [];
    const broken = new Error("insert or update on table RunEvent violates foreign key constraint");
    const refused = new Error("publish failed");
    const writer = new RunEventWriter({
      ...store.options,
      intervalMs: 1,
      onStored: (batch) => {
        store.options.onStored?.(batch);
        if (batch.runId === "unpublishable") throw refused;
      },
      onFailed: (runId, error) => failed.push([runId, error]),
    });
    store.failWhen((batches) =>
      batches.some((b) => ["bad", "lone"].includes(b.runId)) ? broken : undefined,
    );

    // In a shared statement retried run by run, and from onStored: no one drains, onFailed is told.
    writer.push("good", event("good", 0));
    writer.push("bad", event("bad", 0));
    writer.push("unpublishable", event("unpublishable", 0));
    await until(() => failed.length === 2);
    expect(failed).toEqual([
      ["bad", broken],
      ["unpublishable", refused],
    ]);

    // A lone batch that fails.
    writer.push("lone", event("lone", 0));
    await until(() => failed.length === 3);
    expect(failed[2]).toEqual(["lone", broken]);

    // Later events of the failed runs are not stored and do not report again; the good run goes on.
    for (const runId of ["bad", "unpublishable", "lone", "good"]) writer.push(runId, event(runId, 1));
    await writer.drain("good");
    await expect(writer.drain("bad")).rejects.toBe(broken);
    await expect(writer.drain("unpublishable")).rejects.toBe(refused);
    await expect(writer.drain("lone")).rejects.toBe(broken);
    await sleep(10);
    expect(failed).toHaveLength(3);
    expect(store.stored).toEqual(
      new Map([
        ["good", [0, 1]],
        ["unpublishable", [0]],
      ]),
    );
    expect(store.handedOn).toEqual([
      { runId: "good", seqs: [0] },
      { runId: "unpublishable", seqs: [0] },
      { runId: "good", seqs: [1] },
    ]);
  });
});
