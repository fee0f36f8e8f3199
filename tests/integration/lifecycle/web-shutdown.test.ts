import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketServer } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { drainHttpServer, dropSocketsForReconnect, SERVER_SHUTTING_DOWN } from "~/server/lifecycle/shutdown";

/**
 * The web process's stop (src/server/main.ts through src/server/lifecycle/shutdown.ts) on a real
 * HTTP server with Socket.IO: it stops accepting, lets a request in flight finish, and hands browsers
 * over — told first, then a transport close, after which socket.io-client reconnects by itself (a
 * server-side disconnect would tell it not to).
 */
let http: HttpServer | undefined;
let io: SocketServer | undefined;
const clients: Socket[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  io?.close();
  http?.closeAllConnections();
});

async function start(handler: (respond: () => void) => void) {
  http = createServer((_req, res) => handler(() => res.end("done")));
  io = new SocketServer(http, { path: "/socket.io" });
  await new Promise<void>((resolve) => http!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe("web process shutdown", () => {
  it("tells browsers, drops their transport so they reconnect, and lets a request in flight finish", async () => {
    let finishRequest: () => void = () => undefined;
    const base = await start((respond) => {
      finishRequest = respond;
    });
    const client = connect(base, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    clients.push(client);
    await new Promise<void>((resolve) => client.once("connect", resolve));
    const told = new Promise<void>((resolve) => client.once(SERVER_SHUTTING_DOWN, () => resolve()));
    const disconnected = new Promise<string>((resolve) =>
      client.once("disconnect", (reason) => resolve(reason)),
    );
    const reconnecting = new Promise<void>((resolve) => client.io.once("reconnect_attempt", () => resolve()));

    const inFlight = fetch(base).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const drained = drainHttpServer(http!, 5_000);
    expect(dropSocketsForReconnect(io!)).toBe(1);

    await told;
    expect(await disconnected).toBe("transport close");
    await reconnecting;
    // No new connection is accepted once stopping…
    await expect(fetch(base)).rejects.toThrow();
    // …but the request already being answered finishes, and then the server is closed.
    finishRequest();
    expect(await inFlight).toBe("done");
    await drained;
    expect(http!.listening).toBe(false);
  });

  it("closes a request still open when the grace period ends", async () => {
    const base = await start(() => undefined);
    const inFlight = fetch(base).then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await drainHttpServer(http!, 300);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await inFlight).toBe("cut");
  });
});
