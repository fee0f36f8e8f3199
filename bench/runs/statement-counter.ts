import { createConnection, createServer, type Server } from "node:net";

/**
 * A TCP relay in front of Postgres that counts the statements its clients send: one per Sync
 * (the end of an extended-protocol query, which is how `pg` sends every statement) and one per
 * simple Query. Exact and immediate, unlike pg_stat_database, whose counters reach readers
 * seconds after a backend goes idle.
 */
export async function startStatementCounter(target: { host: string; port: number }) {
  let statements = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false; // the startup message has no type byte
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const header = started ? 5 : 4;
        if (buffer.length < header) break;
        const length = started ? buffer.readInt32BE(1) + 1 : buffer.readInt32BE(0);
        if (buffer.length < length) break;
        if (started && (buffer[0] === 0x53 /* S */ || buffer[0] === 0x51) /* Q */) statements++;
        started = true;
        buffer = buffer.subarray(length);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("statement counter has no port");
  return {
    port: address.port,
    count: () => statements,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
