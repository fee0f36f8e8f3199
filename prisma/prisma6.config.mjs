// Configuration for Prisma 6.19's CLI (devDependency `prisma6`), used only by scripts/prisma-migration.mjs
// and the drift test to compute migration SQL offline with its WebAssembly schema engine. The "js" engine
// insists on connecting to a database even for `migrate diff` between schema files, so it gets a throwaway
// in-memory PGlite served on a loopback port (unref'd); nothing is written to it.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { PrismaPg } from "@prisma/adapter-pg";

export default {
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 });
    await server.start();
    // Let the CLI exit when it is done: nothing else should keep this throwaway server alive.
    server.server?.unref();
    return new PrismaPg({ connectionString: `postgresql://postgres@${server.getServerConn()}/postgres` });
  },
};
