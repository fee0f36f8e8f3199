import "server-only";
import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import { z } from "zod";

/**
 * Messages from the web process to whichever worker holds a run: cancel it, or answer its
 * `user_input` question. In-process in embedded mode; Redis pub/sub with REDIS_URL.
 */
export const runControlMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("cancel"), runId: z.string(), reason: z.string().max(500) }),
  z.object({
    type: z.literal("user_input"),
    runId: z.string(),
    requestId: z.string(),
    text: z.string().max(100_000),
  }),
]);
export type RunControlMessage = z.infer<typeof runControlMessageSchema>;

export interface RunControl {
  send(message: RunControlMessage): Promise<void>;
  /** Receive every control message; returns an unsubscribe function. */
  subscribe(handler: (message: RunControlMessage) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class InProcessRunControl implements RunControl {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async send(message: RunControlMessage): Promise<void> {
    this.emitter.emit("message", runControlMessageSchema.parse(message));
  }

  async subscribe(handler: (message: RunControlMessage) => void) {
    this.emitter.on("message", handler);
    return async () => {
      this.emitter.off("message", handler);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const CHANNEL = "troupe:run-control";

export class RedisRunControl implements RunControl {
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Set<(message: RunControlMessage) => void>();

  constructor(private readonly redisUrl: string) {
    this.publisher = new Redis(redisUrl, { lazyConnect: false });
    this.publisher.on("error", () => undefined);
  }

  async send(message: RunControlMessage): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify(runControlMessageSchema.parse(message)));
  }

  async subscribe(handler: (message: RunControlMessage) => void) {
    if (!this.subscriber) {
      const subscriber = new Redis(this.redisUrl);
      subscriber.on("error", () => undefined);
      subscriber.on("message", (_channel: string, raw: string) => {
        const parsed = runControlMessageSchema.safeParse(safeJson(raw));
        if (!parsed.success) return;
        for (const h of this.handlers) h(parsed.data);
      });
      await subscriber.subscribe(CHANNEL);
      this.subscriber = subscriber;
    }
    this.handlers.add(handler);
    return async () => {
      this.handlers.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber?.disconnect();
    this.publisher.disconnect();
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
