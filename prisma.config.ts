import { defineConfig } from "prisma/config";

/**
 * Prisma 7 CLI configuration. The app applies migrations itself (src/server/db/migrate.ts), so the CLI
 * is only used offline for `prisma generate` (scripts/prisma-generate.mjs); see prisma/README.md.
 */
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
