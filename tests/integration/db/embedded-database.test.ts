import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabaseClient } from "~/server/db";
import { DataDirInUseError, startEmbeddedDatabase } from "~/server/db/embedded-database";
import { migrate, readMigrations } from "~/server/db/migrate";

const names = readMigrations().map((m) => m.name);
const scratch: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-db-pglite-"));
  scratch.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("embedded PGlite", () => {
  it("migrates a fresh data dir, serves Prisma, and keeps the data across stop and start", async () => {
    const dataDir = join(tempDir(), "pglite");
    const first = await startEmbeddedDatabase(dataDir);
    expect(first.url).toContain(`host=${encodeURIComponent(dataDir)}`);
    expect(statSync(join(dataDir, ".s.PGSQL.5432")).mode & 0o777).toBe(0o600);
    await expect(startEmbeddedDatabase(dataDir)).rejects.toBeInstanceOf(DataDirInUseError);
    expect(await migrate(first.url)).toEqual({ applied: names, alreadyApplied: [] });
    const client = createDatabaseClient(first.url, { maxConnections: 1 });
    const user = await client.user.create({ data: { email: "kept@troupe.test", name: "Kept" } });
    expect(await client.user.findUnique({ where: { email: "kept@troupe.test" } })).toMatchObject({
      id: user.id,
      name: "Kept",
    });
    await client.$disconnect();
    await first.stop();
    expect(existsSync(join(dataDir, ".s.PGSQL.5432"))).toBe(false);
    expect(existsSync(join(dataDir, "troupe.lock"))).toBe(false);

    // A lock naming our own pid that we do not hold (a restarted container reusing its pid) is stale.
    writeFileSync(join(dataDir, "troupe.lock"), String(process.pid));
    const second = await startEmbeddedDatabase(dataDir);
    try {
      expect(await migrate(second.url)).toEqual({ applied: [], alreadyApplied: names });
      const again = createDatabaseClient(second.url, { maxConnections: 1 });
      expect(await again.user.findUnique({ where: { id: user.id } })).toMatchObject({
        email: "kept@troupe.test",
      });
      await again.$disconnect();
    } finally {
      await second.stop();
    }
  });

  it("refuses a data dir held by a live process and recovers one left by a killed process", async () => {
    const dataDir = join(tempDir(), "pglite");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "tests/integration/db/fixtures/hold-embedded-database.ts", dataDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise((done) => child.once("exit", done));
    try {
      await new Promise<void>((ready, fail) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ready")) ready();
        });
        child.once("exit", (code) => fail(new Error(`child exited ${code}: ${stderr}`)));
      });
      await expect(startEmbeddedDatabase(dataDir)).rejects.toBeInstanceOf(DataDirInUseError);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(existsSync(join(dataDir, "troupe.lock"))).toBe(true);
    expect(existsSync(join(dataDir, ".s.PGSQL.5432"))).toBe(true);

    const recovered = await startEmbeddedDatabase(dataDir);
    try {
      expect(await migrate(recovered.url)).toEqual({ applied: [], alreadyApplied: names });
      const client = createDatabaseClient(recovered.url, { maxConnections: 1 });
      expect(await client.team.findUnique({ where: { slug: "crash" } })).toMatchObject({
        name: "Before the crash",
      });
      await client.$disconnect();
    } finally {
      await recovered.stop();
    }
  });
});
