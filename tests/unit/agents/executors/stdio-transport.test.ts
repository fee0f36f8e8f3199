import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ResultMessage } from "~/agents/executors/runner-protocol";
import { SandboxDiedError } from "~/agents/executors/runner-transport";
import { MAX_LINE_BYTES, StdioTransport } from "~/agents/executors/stdio-transport";

/** A transport over real streams; the test plays the runner by reading and writing their lines. */
function session() {
  const toRunner = new PassThrough();
  const fromRunner = new PassThrough();
  const sent: Record<string, unknown>[] = [];
  let buffered = "";
  toRunner.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) sent.push(JSON.parse(line) as Record<string, unknown>);
  });
  let stops = 0;
  const transport = new StdioTransport(toRunner, fromRunner, async () => {
    stops++;
  });
  const say = (message: unknown) => fromRunner.write(`${JSON.stringify(message)}\n`);
  const fromRunnerRaw = (text: string) => fromRunner.write(text);
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(check()).toBe(true);
  };
  return { transport, sent, say, fromRunnerRaw, until, stops: () => stops };
}

const done = (id: string) => ({ type: "done", id, logs: "", isFinalAnswer: false, error: null });

describe("StdioTransport (the runner protocol over a process's stdio)", () => {
  it("sends a request, answers the tool calls that arrive meanwhile, and resolves on its done", async () => {
    const { transport, sent, say, until } = session();
    say({ type: "ready" });
    await transport.ready();
    const calls: string[] = [];
    const reply = transport.request({ type: "exec", id: "r1", code: "lookup('x')" }, async (call) => {
      calls.push(call.tool);
      return { type: "result", id: call.id, ok: true, value: 42 } satisfies ResultMessage;
    });
    await until(() => sent.length === 1);
    expect(sent[0]).toEqual({ type: "exec", id: "r1", code: "lookup('x')" });
    await expect(transport.request({ type: "ping", id: "r2" }, async () => ({}) as never)).rejects.toThrow(
      "A request is already in flight",
    );
    say({ type: "call", id: "c1", tool: "lookup", args: { q: "x" } });
    await until(() => sent.length === 2);
    expect(sent[1]).toEqual({ type: "result", id: "c1", ok: true, value: 42 });
    say(done("r1"));
    await expect(reply).resolves.toMatchObject({ type: "done", id: "r1" });
    expect(calls).toEqual(["lookup"]);
    expect(transport.alive).toBe(true);
  });

  it("ends the session on a done for another request: the request fails and the runner is stopped", async () => {
    const { transport, say, stops } = session();
    const reply = transport.request({ type: "ping", id: "r1" }, async () => ({}) as never);
    say(done("r7"));
    await expect(reply).rejects.toThrow(
      "Protocol error from the Python runner: reply for unknown request r7",
    );
    await expect(reply).rejects.toBeInstanceOf(SandboxDiedError);
    expect(transport.alive).toBe(false);
    expect(stops()).toBe(1);
    await expect(transport.request({ type: "ping", id: "r2" }, async () => ({}) as never)).rejects.toThrow(
      "reply for unknown request r7",
    );
  });

  it("ends the session on a message nobody asked for, and on a line that is not the protocol", async () => {
    const unsolicited = session();
    unsolicited.say(done("r1"));
    await unsolicited.until(() => !unsolicited.transport.alive);
    await expect(unsolicited.transport.ready()).rejects.toThrow("unsolicited done");

    const garbage = session();
    const reply = garbage.transport.request({ type: "ping", id: "r1" }, async () => ({}) as never);
    garbage.say({ type: "done", id: "r1", error: { type: "NotAType", message: "" } });
    await expect(reply).rejects.toThrow(/^Protocol error from the Python runner: /);
    expect(garbage.stops()).toBe(1);
  });

  it("writes no tool result once the session has ended", async () => {
    const { transport, sent, say, until } = session();
    let answer: (result: ResultMessage) => void = () => undefined;
    const reply = transport.request(
      { type: "exec", id: "r1", code: "slow()" },
      () => new Promise<ResultMessage>((resolve) => (answer = resolve)),
    );
    say({ type: "call", id: "c1", tool: "slow", args: {} });
    await until(() => sent.length === 1);
    await transport.kill();
    await expect(reply).rejects.toThrow("The sandbox was stopped");
    answer({ type: "result", id: "c1", ok: true, value: null });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(1);
  });

  it("cuts a line that grows past the cap before it ends, and still reads lines split across chunks", async () => {
    const split = session();
    const reply = split.transport.request({ type: "ping", id: "r1" }, async () => ({}) as never);
    const text = JSON.stringify(done("r1"));
    split.fromRunnerRaw(text.slice(0, 10));
    split.fromRunnerRaw(`${text.slice(10)}\r\n`);
    await expect(reply).resolves.toMatchObject({ type: "done", id: "r1" });

    const flood = session();
    const pending = flood.transport.request({ type: "ping", id: "r1" }, async () => ({}) as never);
    const chunk = "x".repeat(1_000_000);
    for (let sent = 0; sent <= MAX_LINE_BYTES; sent += chunk.length) flood.fromRunnerRaw(chunk);
    await expect(pending).rejects.toThrow("Protocol error from the Python runner: oversized message");
    expect(flood.stops()).toBe(1);
    expect(flood.transport.alive).toBe(false);
  });
});
