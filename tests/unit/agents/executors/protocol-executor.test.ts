import { describe, expect, it } from "vitest";
import { createExecutor, LocalExecutorNotAllowedError, parseDockerHost } from "~/agents/executors";
import { ProtocolExecutor } from "~/agents/executors/protocol-executor";
import {
  type CallMessage,
  type DoneMessage,
  parseRunnerMessage,
  type ResultMessage,
  type RunnerRequest,
  toJsonSafe,
} from "~/agents/executors/runner-protocol";
import { type RunnerTransport, SandboxDiedError } from "~/agents/executors/runner-transport";

type Script = (
  request: RunnerRequest,
  onCall: (call: CallMessage) => Promise<ResultMessage>,
) => Promise<Partial<DoneMessage>> | "hang" | "die" | "oom";

/** An in-memory runner: answers requests with a script, records what it was sent. */
class FakeTransport implements RunnerTransport {
  readonly received: RunnerRequest[] = [];
  killed = false;
  private rejectPending: ((error: Error) => void) | null = null;

  constructor(private readonly script: Script) {}

  get alive(): boolean {
    return !this.killed;
  }

  async request(
    request: RunnerRequest,
    onCall: (call: CallMessage) => Promise<ResultMessage>,
  ): Promise<DoneMessage> {
    if (this.killed) throw new SandboxDiedError("dead", "SandboxError");
    this.received.push(request);
    const reply = this.script(request, onCall);
    if (reply === "hang") {
      return new Promise((_, reject) => {
        this.rejectPending = reject;
      });
    }
    if (reply === "die") throw new SandboxDiedError("crashed", "SandboxError");
    if (reply === "oom") throw new SandboxDiedError("out of memory", "MemoryLimit");
    const done = await reply;
    return {
      type: "done",
      id: request.id,
      output: null,
      logs: "",
      isFinalAnswer: false,
      error: null,
      ...done,
    };
  }

  async kill(): Promise<void> {
    this.killed = true;
    this.rejectPending?.(new SandboxDiedError("stopped", "SandboxError"));
  }
}

function fakeExecutor(script: Script, options = {}) {
  const transports: FakeTransport[] = [];
  const executor = new ProtocolExecutor(
    "pyodide",
    async () => {
      const transport = new FakeTransport(script);
      transports.push(transport);
      return transport;
    },
    options,
  );
  return { executor, transports };
}

const ok = async () => ({});

describe("ProtocolExecutor", () => {
  it("configures a new sandbox with the import policy and output cap", async () => {
    const { executor, transports } = fakeExecutor(ok, { authorizedImports: ["numpy"], maxOutputChars: 10 });
    await executor.run("1");
    expect(transports[0]?.received[0]).toMatchObject({
      type: "configure",
      authorizedImports: ["numpy"],
      maxOutputChars: 10,
    });
    expect(transports[0]?.received[1]).toMatchObject({ type: "exec", code: "1" });
  });

  it("reports a timeout, kills the sandbox and replays the setup on a fresh one", async () => {
    const { executor, transports } = fakeExecutor((request) =>
      request.type === "exec" && request.code === "loop" ? "hang" : ok(),
    );
    await executor.setTools([{ name: "search", inputNames: ["q"], call: async () => "r" }]);
    await executor.setVariables({ a: 1 });
    const out = await executor.run("loop", { timeoutMs: 30 });
    expect(out.error?.type).toBe("Timeout");
    expect(transports[0]?.killed).toBe(true);
    const next = await executor.run("2");
    expect(next.error).toBeNull();
    expect(transports).toHaveLength(2);
    expect(transports[1]?.received.map((r) => r.type)).toEqual([
      "configure",
      "set_tools",
      "set_variables",
      "exec",
    ]);
    expect(transports[1]?.received[1]).toMatchObject({ tools: [{ name: "search", inputNames: ["q"] }] });
  });

  it("maps a sandbox killed for memory to MemoryLimit and a crash to SandboxError", async () => {
    const { executor } = fakeExecutor((request) =>
      request.type === "exec" ? (request.code === "oom" ? "oom" : "die") : ok(),
    );
    expect((await executor.run("oom")).error?.type).toBe("MemoryLimit");
    expect((await executor.run("crash")).error?.type).toBe("SandboxError");
  });

  it("answers tool calls and turns tool failures into error results", async () => {
    const results: ResultMessage[] = [];
    const { executor } = fakeExecutor(async (request, onCall) => {
      if (request.type !== "exec") return {};
      results.push(await onCall({ type: "call", id: "c1", tool: "add", args: { a: 1, b: 2 } }));
      results.push(await onCall({ type: "call", id: "c2", tool: "fail", args: {} }));
      results.push(await onCall({ type: "call", id: "c3", tool: "missing", args: {} }));
      return { output: "done" };
    });
    await executor.setTools([
      { name: "add", call: async (args) => ({ sum: Number(args.a) + Number(args.b), when: new Date(0) }) },
      {
        name: "fail",
        call: async () => {
          throw new Error("nope");
        },
      },
    ]);
    const out = await executor.run("x");
    expect(out.output).toBe("done");
    expect(results).toEqual([
      { type: "result", id: "c1", ok: true, value: { sum: 3, when: "1970-01-01T00:00:00.000Z" } },
      { type: "result", id: "c2", ok: false, error: "nope" },
      { type: "result", id: "c3", ok: false, error: "Unknown tool: missing" },
    ]);
  });

  it("cancels with an already-aborted or later-aborted signal", async () => {
    const { executor } = fakeExecutor((request) => (request.type === "exec" ? "hang" : ok()));
    const aborted = AbortSignal.abort();
    expect((await executor.run("x", { signal: aborted })).error?.type).toBe("Cancelled");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect((await executor.run("x", { signal: controller.signal })).error?.type).toBe("Cancelled");
  });

  it("runs actions one at a time and refuses work after close", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { executor } = fakeExecutor(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return {};
    });
    await Promise.all([executor.run("a"), executor.run("b"), executor.run("c")]);
    expect(maxInFlight).toBe(1);
    await executor.close();
    await expect(executor.setVariables({ a: 1 })).rejects.toThrow(/closed/);
  });

  it("throws when a Python tool definition fails", async () => {
    const { executor } = fakeExecutor(async (request) =>
      request.type === "define_python_tools"
        ? { error: { type: "ExecutionError", message: "bad: SyntaxError" } }
        : {},
    );
    await expect(executor.definePythonTools([{ name: "bad", source: "def bad(:" }])).rejects.toThrow(
      /SyntaxError/,
    );
  });
});

describe("runner protocol parsing", () => {
  it("accepts done and call messages and rejects forgeries", () => {
    expect(
      parseRunnerMessage(
        '{"type":"done","id":"r1","output":1,"logs":"x","isFinalAnswer":false,"error":null}',
      ),
    ).toMatchObject({ type: "done", output: 1 });
    expect(parseRunnerMessage('{"type":"call","id":"c1","tool":"t","args":{"a":1}}')).toMatchObject({
      type: "call",
      tool: "t",
    });
    expect(parseRunnerMessage("not json").type).toBe("invalid");
    expect(parseRunnerMessage('{"type":"done","id":"r1","error":{"type":"Pwned","message":"x"}}').type).toBe(
      "invalid",
    );
    expect(parseRunnerMessage('{"type":"call","id":"c1","tool":"t","args":[1]}').type).toBe("invalid");
  });

  it("makes values JSON-safe the way Python will see them", () => {
    expect(toJsonSafe(undefined)).toBeNull();
    expect(toJsonSafe({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(toJsonSafe(() => 1)).toBeNull();
  });
});

describe("createExecutor", () => {
  it("refuses the local executor unless explicitly allowed", async () => {
    await expect(createExecutor({ kind: "local" })).rejects.toBeInstanceOf(LocalExecutorNotAllowedError);
  });

  it("builds a Docker executor lazily, without touching the socket", async () => {
    const executor = await createExecutor(
      { kind: "docker", image: "img:1", cpus: 2 },
      { dockerSocketPath: "/nonexistent.sock" },
    );
    expect(executor.kind).toBe("docker");
    const out = await executor.run("1");
    expect(out.error?.type).toBe("SandboxError");
    await executor.close();
  });

  it("parses DOCKER_HOST values", () => {
    expect(parseDockerHost(undefined)).toEqual({});
    expect(parseDockerHost("unix:///run/podman/podman.sock")).toEqual({
      socketPath: "/run/podman/podman.sock",
    });
    expect(parseDockerHost("/var/run/docker.sock")).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("tcp://10.0.0.2:2376")).toEqual({ host: "10.0.0.2", port: 2376 });
  });
});
