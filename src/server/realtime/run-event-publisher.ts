import "server-only";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import type { Server } from "socket.io";
import type { RunEvent } from "~/agents/events";
import { type RunStatusUpdate, runStreamEvents } from "~/lib/run-stream";
import type { RunEventPublisher } from "~/server/runs/run-publisher";
import { notifyRunFeed, RUN_FEED_CHANNEL } from "./run-feed";

/** The Socket.IO room of one run; joining it is authorised against the run's team. */
export const runRoom = (runId: string) => `run:${runId}`;

/*
 * How a worker reaches browsers (the run stream, src/lib/run-stream.ts): straight into the Socket.IO
 * server when they share a process (embedded mode), through the Redis emitter otherwise, so a worker
 * process reaches clients of any web process behind the Socket.IO Redis adapter. Events are sent only
 * after they are stored, so a client that reconnects and reads the store misses nothing.
 */

/** Into this process's Socket.IO server (embedded mode, or a worker inside the web process). */
export class SocketServerPublisher implements RunEventPublisher {
  constructor(private readonly io: Server) {}
  publishEvents(runId: string, events: RunEvent[]): void {
    if (events.length === 0) return;
    this.io.to(runRoom(runId)).emit(runStreamEvents.events, events);
    notifyRunFeed(runId);
  }
  publishStatus(update: RunStatusUpdate): void {
    this.io.to(runRoom(update.runId)).emit(runStreamEvents.status, update);
    notifyRunFeed(update.runId);
  }
  async close(): Promise<void> {}
}

/** Through the Redis emitter, to the Socket.IO servers of every web process (a worker process). */
export class RedisEmitterPublisher implements RunEventPublisher {
  private readonly redis: Redis;
  private readonly emitter: Emitter;
  constructor(redisUrl: string) {
    // Publishes made in the same tick (a flush hands on many runs' batches) share one write.
    this.redis = new Redis(redisUrl, { enableAutoPipelining: true });
    this.redis.on("error", () => undefined);
    this.emitter = new Emitter(this.redis);
  }
  publishEvents(runId: string, events: RunEvent[]): void {
    if (events.length === 0) return;
    this.emitter.to(runRoom(runId)).emit(runStreamEvents.events, events);
    void this.redis.publish(RUN_FEED_CHANNEL, runId).catch(() => undefined);
  }
  publishStatus(update: RunStatusUpdate): void {
    this.emitter.to(runRoom(update.runId)).emit(runStreamEvents.status, update);
    void this.redis.publish(RUN_FEED_CHANNEL, update.runId).catch(() => undefined);
  }
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** For a worker with no browser listening (tests, scripts); readers of the run feed in the process still wake. */
export class NullPublisher implements RunEventPublisher {
  publishEvents(runId: string): void {
    notifyRunFeed(runId);
  }
  publishStatus(update: RunStatusUpdate): void {
    notifyRunFeed(update.runId);
  }
  async close(): Promise<void> {}
}
