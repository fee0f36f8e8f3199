/**
 * Next.js configuration. Heavy runtime pieces stay outside Next's bundles: they are loaded
 * by the plain Node process (src/server/main.ts) and required at run time when a route needs them.
 * @type {import("next").NextConfig}
 */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm run typecheck` checks the whole tree once; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "pyodide",
    "dockerode",
    "bullmq",
    "ioredis",
    "socket.io",
    "pino",
  ],
  // A share link's chat page is made to be embedded in an <iframe> on any site; every other page refuses
  // to be framed (clickjacking: a hostile site cannot overlay the app's buttons), and no response is
  // sniffed into another content type.
  async headers() {
    return [
      {
        source: "/:path((?!share/).*)",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
      {
        source: "/share/:token",
        headers: [{ key: "Content-Security-Policy", value: "frame-ancestors *" }],
      },
    ];
  },
};

export default config;
