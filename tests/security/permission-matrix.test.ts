import { TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStreamEvents } from "~/lib/run-stream";
import { sessionCookie, startRunSocketServer } from "../helpers/lookup-clerk";
import { createTestDatabase } from "../integration/api/test-database";

/**
 * The permission matrix, enforced: every tRPC procedure of the app router is called as anonymous, as
 * a member of another team, and as each role of the team that owns the input, and the outcome must be
 * what src/server/auth/permissions.ts says. A procedure added without an entry in `inputs` below fails
 * the test, so nothing escapes the matrix. The same holds for the Socket.IO run room.
 */
const database = await createTestDatabase("matrix");
const AUTH_SECRET = "permission-matrix-test-secret-0123456789abcdef";
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", AUTH_SECRET, LOG_LEVEL: "warn" });
const REDIS_URL = "redis://127.0.0.1:6379";

const { db, startDatabase } = await import("~/server/db");
const { appRouter, createCaller } = await import("~/server/api/root");
const { can } = await import("~/server/auth/permissions");
const { roles } = await import("~/lib/roles");
const { newInvitationToken } = await import("~/server/teams/invitations");
const { sealSecret } = await import("~/server/secrets/team-secrets");
const { secretsKeyring } = await import("~/server/secrets/keys");
const { socketAuth } = await import("~/server/auth/socket-auth");
const { attachRunRooms } = await import("~/server/realtime/run-rooms");
type Role = (typeof roles)[number];
type ProcedureMeta = import("~/server/api/trpc").ProcedureMeta;

type Person = { id: string; name: string; email: string };

/** One team with a member of each role, its objects, and an outsider in a team of their own. */
type World = {
  teamId: string;
  members: Record<Role, Person>;
  outsider: Person;
  workflowId: string;
  versionId: string;
  runId: string;
  itemId: string;
  invitationId: string;
  invitationToken: string;
  endpointId: string;
  apiKeyId: string;
  testSetId: string;
  testCaseId: string;
  evalRunIds: [string, string];
};

let counter = 0;

async function makePerson(label: string): Promise<Person> {
  counter += 1;
  const email = `${label}-${counter}@example.com`;
  const user = await db.user.create({ data: { name: label, email } });
  return { id: user.id, name: label, email };
}

async function makeWorld(): Promise<World> {
  counter += 1;
  const members = {} as Record<Role, Person>;
  for (const role of roles) members[role] = await makePerson(role);
  const outsider = await makePerson("outsider");
  const team = await db.team.create({
    data: {
      name: `Crew ${counter}`,
      slug: `crew-${counter}-${Date.now()}`,
      memberships: { create: roles.map((role) => ({ userId: members[role].id, role })) },
    },
  });
  await db.team.create({
    data: {
      name: "Elsewhere",
      slug: `elsewhere-${counter}-${Date.now()}`,
      memberships: { create: { userId: outsider.id, role: "owner" } },
    },
  });
  const graph = { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };
  const workflow = await db.workflow.create({ data: { teamId: team.id, name: "Research", graph } });
  const version = await db.workflowVersion.create({ data: { workflowId: workflow.id, number: 1, graph } });
  const run = await db.run.create({
    data: { teamId: team.id, workflowId: workflow.id, spec: {}, task: "t", status: "succeeded" },
  });
  const item = await db.libraryItem.create({
    data: {
      teamId: team.id,
      name: `lookup_${counter}`,
      versions: {
        create: {
          version: 1,
          tool: {
            kind: "python",
            name: `lookup_${counter}`,
            description: "Look up.",
            source: `def lookup_${counter}(query: str) -> str:\n    """Look up.\n\n    Args:\n        query: what\n    """\n    return query`,
          },
        },
      },
    },
  });
  await db.teamSecret.create({
    data: {
      teamId: team.id,
      name: "API_TOKEN",
      ...sealSecret(secretsKeyring(), team.id, "API_TOKEN", "token-value"),
    },
  });
  const { token, tokenHash } = newInvitationToken();
  const invitation = await db.invitation.create({
    data: {
      teamId: team.id,
      email: outsider.email,
      role: "editor",
      tokenHash,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const endpoint = await db.endpoint.create({
    data: {
      teamId: team.id,
      slug: "answers",
      workflowId: workflow.id,
      workflowVersionId: version.id,
      servingSince: new Date(),
    },
  });
  const apiKey = await db.apiKey.create({
    data: { teamId: team.id, name: "CI", prefix: "trp_abcdefgh", hash: `hash-${counter}-${Date.now()}` },
  });
  const testSet = await db.testSet.create({
    data: {
      teamId: team.id,
      name: "Arithmetic",
      cases: {
        create: { key: "sum", position: 0, task: "1+1?", data: { id: "sum", task: "1+1?", checks: [] } },
      },
    },
    include: { cases: true },
  });
  const evalRun = () =>
    db.evalRun.create({
      data: { teamId: team.id, testSetId: testSet.id, testSetName: "Arithmetic", workflowId: workflow.id },
    });
  const evalRuns = [await evalRun(), await evalRun()];
  return {
    testSetId: testSet.id,
    testCaseId: testSet.cases[0]!.id,
    evalRunIds: [evalRuns[0]!.id, evalRuns[1]!.id],
    endpointId: endpoint.id,
    apiKeyId: apiKey.id,
    teamId: team.id,
    members,
    outsider,
    workflowId: workflow.id,
    versionId: version.id,
    runId: run.id,
    itemId: item.id,
    invitationId: invitation.id,
    invitationToken: token,
  };
}

/** A valid input for each procedure in a world; chosen so that every role the matrix allows succeeds or fails for reasons other than access. */
const inputs: Record<string, (w: World) => unknown> = {
  "apiKey.list": (w) => ({ teamId: w.teamId }),
  "apiKey.create": (w) => ({
    teamId: w.teamId,
    name: "Production",
    allEndpoints: false,
    endpointIds: [w.endpointId],
  }),
  "apiKey.update": (w) => ({ teamId: w.teamId, apiKeyId: w.apiKeyId, rateLimitPerMinute: 120 }),
  "apiKey.revoke": (w) => ({ teamId: w.teamId, apiKeyId: w.apiKeyId }),
  "endpoint.gateVerdict": (w) => ({ teamId: w.teamId, versionId: w.versionId }),
  "endpoint.list": (w) => ({ teamId: w.teamId }),
  "endpoint.get": (w) => ({ teamId: w.teamId, endpointId: w.endpointId }),
  "endpoint.history": (w) => ({ teamId: w.teamId, endpointId: w.endpointId }),
  "endpoint.slugAvailable": (w) => ({ teamId: w.teamId, slug: "research" }),
  "endpoint.publish": (w) => ({
    teamId: w.teamId,
    workflowId: w.workflowId,
    versionId: w.versionId,
    slug: "research",
  }),
  "endpoint.move": (w) => ({ teamId: w.teamId, endpointId: w.endpointId, versionId: w.versionId }),
  "endpoint.unpublish": (w) => ({ teamId: w.teamId, endpointId: w.endpointId }),
  "endpoint.setSharing": (w) => ({ teamId: w.teamId, endpointId: w.endpointId, enabled: true }),
  "endpoint.setAllowedOrigins": (w) => ({
    teamId: w.teamId,
    endpointId: w.endpointId,
    origins: ["https://app.example.com"],
  }),
  "endpoint.delete": (w) => ({ teamId: w.teamId, endpointId: w.endpointId }),
  "endpoint.usage": (w) => ({ teamId: w.teamId, endpointId: w.endpointId, apiKeyId: w.apiKeyId }),
  "evaluation.listSets": (w) => ({ teamId: w.teamId }),
  "evaluation.getSet": (w) => ({ id: w.testSetId }),
  "evaluation.createSet": (w) => ({ teamId: w.teamId, name: "Geography" }),
  "evaluation.updateSet": (w) => ({ id: w.testSetId, name: "Sums" }),
  "evaluation.deleteSet": (w) => ({ id: w.testSetId }),
  "evaluation.saveCase": (w) => ({ testSetId: w.testSetId, case: { id: "product", task: "2*3?" } }),
  "evaluation.deleteCase": (w) => ({ id: w.testCaseId }),
  "evaluation.importCases": (w) => ({
    testSetId: w.testSetId,
    fileName: "more.jsonl",
    content: '{"id": "difference", "task": "3-1?"}\n',
    mode: "append",
  }),
  "evaluation.exportSet": (w) => ({ id: w.testSetId, format: "json" }),
  "evaluation.addRunAsCase": (w) => ({ runId: w.runId, testSetId: w.testSetId, freeze: false }),
  "evaluation.startEval": (w) => ({ testSetId: w.testSetId, workflowId: w.workflowId, versionIds: [null] }),
  "evaluation.listEvals": (w) => ({ teamId: w.teamId }),
  "evaluation.getEval": (w) => ({ id: w.evalRunIds[0] }),
  "evaluation.cancelEval": (w) => ({ id: w.evalRunIds[0] }),
  "evaluation.compare": (w) => ({ ids: w.evalRunIds }),
  "library.list": (w) => ({ teamId: w.teamId }),
  "library.share": (w) => ({
    teamId: w.teamId,
    message: "",
    tool: { kind: "python", name: "shout", description: "Shout.", code: "def shout(text):\n    return text" },
  }),
  "library.shareAgent": (w) => ({
    teamId: w.teamId,
    message: "",
    nodeId: "absent",
    document: { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } },
  }),
  "library.remove": (w) => ({ teamId: w.teamId, itemId: w.itemId }),
  "library.version": (w) => ({ teamId: w.teamId, itemId: w.itemId, version: 1 }),
  "mcp.discoverTools": (w) => ({
    teamId: w.teamId,
    server: { name: "srv", transport: "http", url: "http://127.0.0.1:1/mcp" },
  }),
  "openapi.inspect": (w) => ({
    teamId: w.teamId,
    source: {
      kind: "file",
      text: JSON.stringify({
        openapi: "3.0.3",
        info: { title: "Tiny", version: "1" },
        paths: { "/ping": { get: { operationId: "ping", responses: { "200": { description: "pong" } } } } },
      }),
    },
  }),
  "secret.list": (w) => ({ teamId: w.teamId }),
  "secret.create": (w) => ({ teamId: w.teamId, name: "NEW_TOKEN", value: "a new value" }),
  "secret.replaceValue": (w) => ({ teamId: w.teamId, name: "API_TOKEN", value: "another value" }),
  "secret.update": (w) => ({ teamId: w.teamId, name: "API_TOKEN", description: "The API's token" }),
  "secret.delete": (w) => ({ teamId: w.teamId, name: "API_TOKEN" }),
  "pricing.list": (w) => ({ teamId: w.teamId }),
  "pricing.set": (w) => ({ teamId: w.teamId, model: "m", inputUsdPerMillion: 1, outputUsdPerMillion: 2 }),
  "pricing.remove": (w) => ({ teamId: w.teamId, model: "m" }),
  "run.start": (w) => ({ workflowId: w.workflowId, task: "Say hello." }),
  "run.list": (w) => ({ teamId: w.teamId }),
  "run.get": (w) => ({ runId: w.runId }),
  "run.events": (w) => ({ runId: w.runId }),
  "run.cancel": (w) => ({ runId: w.runId }),
  "run.reply": (w) => ({ runId: w.runId, requestId: "r1", text: "yes" }),
  "run.stats": (w) => ({ teamId: w.teamId }),
  "run.providers": () => undefined,
  "team.list": () => undefined,
  "team.current": () => undefined,
  "team.members": (w) => ({ teamId: w.teamId }),
  "team.limits": (w) => ({ teamId: w.teamId }),
  "team.create": () => ({ name: "New crew" }),
  "team.rename": (w) => ({ teamId: w.teamId, name: "Renamed crew" }),
  "team.publishGate": (w) => ({ teamId: w.teamId }),
  "team.testSetsForGate": (w) => ({ teamId: w.teamId }),
  "team.setPublishGate": (w) => ({ teamId: w.teamId, testSetId: null, minPassRate: 1 }),
  "team.delete": (w) => ({ teamId: w.teamId }),
  "team.setRole": (w) => ({ teamId: w.teamId, userId: w.members.viewer.id, role: "editor" }),
  "team.removeMember": (w) => ({ teamId: w.teamId, userId: w.members.editor.id }),
  "team.leave": (w) => ({ teamId: w.teamId }),
  "team.transferOwnership": (w) => ({ teamId: w.teamId, userId: w.members.admin.id }),
  "team.invite": (w) => ({ teamId: w.teamId, email: "newcomer@example.com", role: "editor" }),
  "team.invitations": (w) => ({ teamId: w.teamId }),
  "team.revokeInvitation": (w) => ({ teamId: w.teamId, invitationId: w.invitationId }),
  "team.auditLog": (w) => ({ teamId: w.teamId }),
  "team.auditCsv": (w) => ({ teamId: w.teamId }),
  "team.invitation": (w) => ({ token: w.invitationToken }),
  "team.acceptInvitation": (w) => ({ token: w.invitationToken }),
  "user.me": () => undefined,
  "user.signOutEverywhere": () => undefined,
  "workflow.list": (w) => ({ teamId: w.teamId }),
  "workflow.create": (w) => ({ teamId: w.teamId, name: "Another" }),
  "workflow.rename": (w) => ({ workflowId: w.workflowId, name: "Renamed" }),
  "workflow.duplicate": (w) => ({ workflowId: w.workflowId }),
  "workflow.delete": (w) => ({ workflowId: w.workflowId }),
  "workflow.get": (w) => ({ workflowId: w.workflowId }),
  "workflow.load": (w) => ({ workflowId: w.workflowId }),
  "workflow.saveGraph": (w) => ({
    workflowId: w.workflowId,
    revision: 0,
    graph: { version: 1, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } },
  }),
  "workflow.saveVersion": (w) => ({ workflowId: w.workflowId, revision: 0, message: "v" }),
  "workflow.listVersions": (w) => ({ workflowId: w.workflowId }),
  "workflow.restoreVersion": (w) => ({ workflowId: w.workflowId, revision: 0, versionId: w.versionId }),
};

type Procedure = { _def: { meta?: ProcedureMeta; type: "query" | "mutation" | "subscription" } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>);

type Caller = ReturnType<typeof createCaller>;
function callerFor(person: Person | null): Caller {
  const session: Session | null = person
    ? { user: person, expires: new Date(Date.now() + 3_600_000).toISOString() }
    : null;
  return createCaller({ db, session, headers: new Headers() });
}

/** Call `path` on a caller; the TRPCError code it was refused with, or "ok". */
async function outcome(caller: Caller, path: string, input: unknown): Promise<string> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  try {
    await (target as (input: unknown) => Promise<unknown>)(input);
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** Refusals that mean "no access"; any other outcome means the permission check let the call through. */
const accessRefusals = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"]);
const access = (code: string) => (accessRefusals.has(code) ? code : "allowed");

beforeAll(async () => {
  await startDatabase();
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe("permission matrix over every tRPC procedure", () => {
  it("has an input and a declared permission for every procedure", () => {
    expect(procedures.length).toBeGreaterThan(30);
    const missing = procedures.map(([path]) => path).filter((path) => !(path in inputs));
    expect(missing, "procedures without a matrix entry in this test").toEqual([]);
    const stale = Object.keys(inputs).filter((path) => !procedures.some(([name]) => name === path));
    expect(stale, "entries for procedures that no longer exist").toEqual([]);
    for (const [path, procedure] of procedures) {
      expect(procedure._def.meta?.permission, `${path} declares no permission`).toBeDefined();
    }
  });

  for (const [path, procedure] of procedures) {
    const permission = procedure._def.meta?.permission;
    it(`${path} (${permission?.scope}${permission && "action" in permission ? `: ${permission.action}` : ""})`, async () => {
      const input = inputs[path];
      if (!permission || !input) throw new Error(`${path} is missing from the matrix`);
      const observed: Record<string, string> = {};
      const expected: Record<string, string> = {};
      const callers: Array<[string, (w: World) => Person | null, Role | null]> = [
        ["anonymous", () => null, null],
        ["other team", (w) => w.outsider, null],
        ...roles.map((role): [string, (w: World) => Person, Role] => [role, (w) => w.members[role], role]),
      ];
      for (const [label, who, role] of callers) {
        const world = await makeWorld();
        observed[label] = access(await outcome(callerFor(who(world)), path, input(world)));
        if (permission.scope === "public") expected[label] = "allowed";
        else if (label === "anonymous") expected[label] = "UNAUTHORIZED";
        else if (permission.scope === "user") expected[label] = "allowed";
        else if (role === null || !("action" in permission)) expected[label] = "NOT_FOUND";
        else expected[label] = can(role, permission.action) ? "allowed" : "FORBIDDEN";
      }
      expect(observed).toEqual(expected);
    });
  }
});

describe("permission matrix over the Socket.IO run room", () => {
  it("lets every role that may view follow a run, and nobody else", async () => {
    const sockets = await startRunSocketServer({ db, redisUrl: REDIS_URL, socketAuth, attachRunRooms });
    try {
      const world = await makeWorld();
      const subscribe = async (person: Person | null): Promise<string> => {
        const cookie = person
          ? await sessionCookie({ id: person.id, sessionVersion: 0 }, AUTH_SECRET)
          : undefined;
        const socket = connect(sockets.url, {
          path: "/socket.io",
          transports: ["websocket"],
          extraHeaders: cookie ? { cookie } : {},
        });
        try {
          const connected = await new Promise<boolean>((resolve) => {
            socket.once("connect", () => resolve(true));
            socket.once("connect_error", () => resolve(false));
          });
          if (!connected) return "UNAUTHORIZED";
          const ack = await new Promise<{ ok: boolean }>((resolve) =>
            socket.emit(runStreamEvents.subscribe, { runId: world.runId, afterSeq: -1 }, resolve),
          );
          return ack.ok ? "allowed" : "NOT_FOUND";
        } finally {
          socket.close();
        }
      };
      const observed: Record<string, string> = {
        anonymous: await subscribe(null),
        "other team": await subscribe(world.outsider),
      };
      const expected: Record<string, string> = { anonymous: "UNAUTHORIZED", "other team": "NOT_FOUND" };
      for (const role of roles) {
        observed[role] = await subscribe(world.members[role]);
        expected[role] = can(role, "view") ? "allowed" : "NOT_FOUND";
      }
      expect(observed).toEqual(expected);
    } finally {
      sockets.close();
    }
  });
});
