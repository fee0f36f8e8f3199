/**
 * `npm run docs:permissions`: write docs/permissions.md from the permission matrix
 * (src/lib/permissions.ts). A unit test fails while the committed file differs.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { permissionsMarkdown } from "~/server/auth/permissions";

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/permissions.md");
writeFileSync(target, permissionsMarkdown());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
