import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "~/agents/events";
import { followRunStream } from "~/components/chat/follow-run-stream";
import type { ChatEvent } from "~/lib/chat-events";
import { type RunStatusUpdate, runStreamEvents, runSubscribeSchema } from "~/lib/run-stream";

/**
 * The playground's run-stream client over a real Socket.IO connection, against a scripted server that
 * plays the run rooms' part and loses what a real network or a Redis restart can lose: a live batch,
 * the run's last events before its status. The chat must show every event once, in order, and end
 * with the failed run's reason.
 */
const RUN = "run-playground-stream";
const stored: RunEvent[] = [];
let status: RunStatusUpdate["status"] = "running";
const subscriptions: number[] = [];
let httpServer: ReturnType<typeof createServer>;
let server: Server;
let client: Socket;
let serverSide: ServerSocket;

const answer = (seq: number): RunEvent => ({
  type: "final_answer",
  runId: RUN,
  agentPath: ["assistant"],
  seq,
  ts: Date.now(),
  output: `answer ${seq}`,
});

function store(...seqs: number[]) {
  stored.push(...seqs.map(answer));
}

beforeAll(async () => {
  httpServer = createServer();
  server = new Server(httpServer);
  server.on("connection", (socket) => {
    serverSide = socket;
    socket.on(runStreamEvents.subscribe, (raw: unknown, ack: (response: unknown) => void) => {
      const { runId, afterSeq } = runSubscribeSchema.parse(raw);
      subscriptions.push(afterSeq);
      const page = stored.filter((event) => event.runId === runId && event.seq > afterSeq);
      if (page.length > 0) socket.emit(runStreamEvents.events, page);
      ack({ ok: true, status, lastSeq: page.at(-1)?.seq ?? afterSeq });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  client = io(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
});

afterAll(async () => {
  client?.disconnect();
  await new Promise((resolve) => server.close(resolve));
});

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the playground's run stream", () => {
  it("fills a lost live batch, catches up after a resync and before the end, and ends once with the reason", async () => {
    const seen: ChatEvent[] = [];
    const errors: string[] = [];
    const answers = () => seen.flatMap((event) => (event.type === "answer" ? [event.seq] : []));
    store(0, 1);
    const stop = followRunStream(
      client,
      RUN,
      (event) => seen.push(event),
      (message) => errors.push(message),
    );
    await until(() => answers().length === 2, "the stored events");

    // Events 2–4 are stored, but only 4's live batch arrives: the hole is filled from the store.
    store(2, 3, 4);
    serverSide.emit(runStreamEvents.events, [stored[4]]);
    await until(() => answers().length === 5, "the hole to be filled");
    expect(answers()).toEqual([0, 1, 2, 3, 4]);

    // The server's Redis came back: the client reads what it may have missed.
    store(5);
    serverSide.emit(runStreamEvents.resync);
    await until(() => answers().length === 6, "the resync's catch-up");

    // The run fails; its last event's live batch is lost, its status arrives.
    store(6);
    status = "failed";
    serverSide.emit(runStreamEvents.status, {
      runId: RUN,
      status: "failed",
      error: "The model refused.",
    } satisfies RunStatusUpdate);
    await until(() => seen.some((event) => event.type === "end"), "the end");
    expect(answers()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(seen.at(-1)).toEqual({
      type: "end",
      status: "failed",
      output: undefined,
      message: "The model refused.",
    });
    expect(seen.filter((event) => event.type === "end")).toHaveLength(1);
    expect(subscriptions).toEqual([-1, 1, 4, 5]);
    expect(errors).toEqual([]);
    stop();
  });
});
