import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type StartedServer,
  signInOverHttp,
  signUpWithoutScript,
  startServer,
  trpcData,
  trpcMutation,
  trpcQuery,
} from "./http-helpers";

/**
 * `npm start` with no DATABASE_URL, no Redis and no AUTH_SECRET: embedded PGlite under TROUPE_DATA_DIR.
 * An account and a workflow made in one run of the server are there after a restart, and the session
 * cookie from before the restart still works (the generated secret is kept in the data directory).
 */
const PORT = 3102;
const dataDir = mkdtempSync(path.join(tmpdir(), "troupe-web-embedded-"));
const embeddedEnv = { TROUPE_DATA_DIR: dataDir, DATABASE_URL: "", AUTH_SECRET: "" };
let server: StartedServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("embedded mode across a restart", () => {
  it("keeps accounts, workflows and sessions", async () => {
    server = await startServer(PORT, embeddedEnv);
    const account = { name: "Mary Jackson", email: "mary@example.com", password: "wind tunnel data" };
    const signedUp = await signUpWithoutScript(server.base, account);
    expect(signedUp.status).toBe(303);
    expect(signedUp.headers.get("location")).toMatch(/\/workflows$/);
    const cookie = signedUp.headers
      .getSetCookie()
      .map((value) => value.split(";")[0])
      .join("; ");
    expect(cookie).toMatch(/authjs\.session-token=/);

    const team = await trpcData<{ id: string; name: string }>(
      await trpcQuery(server.base, "team.current", undefined, cookie),
    );
    expect(team.name).toBe("Mary Jackson's team");
    const created = await trpcData<{ id: string }>(
      await trpcMutation(
        server.base,
        "workflow.create",
        { teamId: team.id, name: "Survives restarts" },
        cookie,
      ),
    );

    await server.stop();
    server = await startServer(PORT, embeddedEnv);

    expect((await trpcQuery(server.base, "user.me", undefined, cookie)).status).toBe(200);
    const again = await signInOverHttp(server.base, account.email, account.password);
    const listed = await trpcData<{ items: { id: string; name: string }[] }>(
      await trpcQuery(server.base, "workflow.list", { teamId: team.id }, again),
    );
    expect(listed.items).toContainEqual(
      expect.objectContaining({ id: created.id, name: "Survives restarts" }),
    );
  }, 1_200_000);
});
