import { type ChildProcess, spawn } from "node:child_process";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** What the SDK's client connects over (its transport interface). */
export type McpClientTransport = Parameters<Client["connect"]>[0];

/** The most a server may write without ending a line (as the SDK's stdio transport allows). */
const maxLineBytes = 10 * 1024 * 1024;

/**
 * MCP's stdio framing: one JSON-RPC message per line, each checked with the SDK's message schema.
 * Chunks are appended as they arrive; complete lines are read off the front.
 */
class JsonRpcLineBuffer {
  private pending: Buffer | undefined;

  append(chunk: Buffer): void {
    if ((this.pending?.length ?? 0) + chunk.length > maxLineBytes) {
      this.clear();
      throw new Error(`The MCP server wrote more than ${maxLineBytes} bytes without ending a line`);
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
  }

  clear(): void {
    this.pending = undefined;
  }

  /** The next complete message, or null until a whole line has arrived. */
  readMessage(): JSONRPCMessage | null {
    const end = this.pending?.indexOf("\n") ?? -1;
    if (!this.pending || end === -1) return null;
    const line = this.pending.toString("utf8", 0, end).replace(/\r$/, "");
    this.pending = this.pending.subarray(end + 1);
    return JSONRPCMessageSchema.parse(JSON.parse(line));
  }
}

/** What to start: a program, its arguments one by one, and its whole environment. */
export interface StdioProcessOptions {
  command: string;
  args: readonly string[];
  /** The process's entire environment (nothing is inherited from the worker). */
  env: Readonly<Record<string, string>>;
  /** Time the process gets to exit after its stdin closes, before SIGTERM and then SIGKILL. */
  exitGraceMs?: number;
}

/** The last bytes of a process's stderr kept for error messages. */
const stderrTailBytes = 2000;

/**
 * An MCP transport over a child process's stdin and stdout, as the SDK's stdio transport but with
 * nothing inherited: the SDK's merges HOME, USER, SHELL and more of the worker's environment in,
 * while a stdio MCP server here gets exactly the variables its node names plus PATH. Spawned
 * without a shell (arguments are never parsed), stderr kept (its tail explains a failed start).
 */
export class StdioProcessTransport implements McpClientTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private process: ChildProcess | undefined;
  private readonly buffer = new JsonRpcLineBuffer();
  private stderr = "";
  private exit: Promise<void> | undefined;

  constructor(private readonly options: StdioProcessOptions) {}

  /** The end of what the process wrote to stderr (for error messages). */
  stderrTail(): string {
    return this.stderr.trim();
  }

  start(): Promise<void> {
    if (this.process) throw new Error("The MCP server process was already started");
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, [...this.options.args], {
        // Exactly these variables (the project types ProcessEnv with NODE_ENV; a child needs none).
        env: { ...this.options.env } as unknown as NodeJS.ProcessEnv,
        stdio: ["pipe", "pipe", "pipe"],
        shell: false,
        windowsHide: true,
      });
      this.process = child;
      this.exit = new Promise((done) => child.once("close", () => done()));
      child.once("error", (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once("spawn", () => resolve());
      child.once("close", () => {
        this.process = undefined;
        this.onclose?.();
      });
      child.stdin?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("data", (chunk: Buffer) => {
        this.buffer.append(chunk);
        try {
          for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage()) {
            this.onmessage?.(message);
          }
        } catch (error) {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-stderrTailBytes);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.process?.stdin;
      if (!stdin) {
        reject(new Error("The MCP server process is not running"));
        return;
      }
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once("drain", () => resolve());
    });
  }

  /** Close stdin, give the process time to exit, then SIGTERM, then SIGKILL. */
  async close(): Promise<void> {
    const child = this.process;
    if (!child || !this.exit) return;
    const grace = this.options.exitGraceMs ?? 2000;
    const exited = (ms: number) =>
      Promise.race([this.exit!.then(() => true), new Promise<boolean>((r) => setTimeout(r, ms, false))]);
    child.stdin?.end();
    if (!(await exited(grace))) {
      child.kill("SIGTERM");
      if (!(await exited(grace))) child.kill("SIGKILL");
    }
    await this.exit;
    this.buffer.clear();
  }
}
