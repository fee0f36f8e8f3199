import { TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { WorkflowDocument } from "~/graph";
import { RUN_INPUT_LIMITS } from "~/lib/run-media";
import { createTestDatabase } from "./test-database";

/**
 * Images and audio given with a run from the app: `run.start` takes them as the HTTP API does (the
 * same zod pieces), stores them in `Run.input`, and `run.get` returns them for the run page. An
 * oversize or mistyped file is refused with the field it is in, and nothing is queued.
 */
const database = await createTestDatabase("run-media");
Object.assign(process.env, { DATABASE_URL: database.url, REDIS_URL: "", SECRETS_KEY: "cd".repeat(32) });
const { db, startDatabase } = await import("~/server/db");
const { createCaller } = await import("~/server/api/root");
const { signUp } = await import("~/server/auth/sign-up");

let caller: ReturnType<typeof createCaller>;
let teamId: string;
let workflowId: string;

const replayWorkflow: WorkflowDocument = {
  version: 1,
  viewport: { x: 0, y: 0, zoom: 1 },
  nodes: [
    {
      id: "agent",
      type: "agent",
      position: { x: 0, y: 0 },
      data: {
        agentType: "code",
        name: "looker",
        description: "",
        instructions: "",
        maxSteps: 3,
        addBaseTools: false,
        additionalAuthorizedImports: [],
      },
    },
    {
      id: "model",
      type: "model",
      position: { x: 0, y: 200 },
      data: { provider: "replay", model: "replay", transcript: ["<code>\nfinal_answer('seen')\n</code>"] },
    },
  ],
  edges: [{ id: "uses", source: "agent", target: "model", type: "uses-model" }],
};

/** A base64 data URI of `bytes` bytes. */
const dataUri = (mime: string, bytes: number) =>
  `data:${mime};base64,${Buffer.alloc(bytes, 7).toString("base64")}`;
const png = dataUri("image/png", 64);
const wav = dataUri("audio/wav", 128);

beforeAll(async () => {
  await startDatabase();
  const result = await signUp({ name: "Ida", email: "ida@example.com", password: "a long enough password" });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  teamId = result.teamId;
  const session: Session = {
    user: { id: result.userId, name: "Ida", email: "ida@example.com" },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
  };
  caller = createCaller({ db, session, headers: new Headers() });
  const workflow = await caller.workflow.create({ teamId, name: "Looks at pictures" });
  await caller.workflow.saveGraph({ workflowId: workflow.id, revision: 0, graph: replayWorkflow });
  workflowId = workflow.id;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** The zod issues (path, message) a refused start carries, after checking that nothing was queued. */
async function refusal(input: Record<string, unknown>) {
  const before = await db.run.count({ where: { workflowId } });
  const error = await caller.run
    .start({ workflowId, task: "Describe it.", ...input })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe("BAD_REQUEST");
  expect(await db.run.count({ where: { workflowId } })).toBe(before);
  const cause = (error as TRPCError).cause;
  expect(cause).toBeInstanceOf(ZodError);
  return (cause as ZodError).issues.map((issue) => [issue.path.join("."), issue.message]);
}

describe("run.start with images and audio", () => {
  it("stores the files in the run's input and run.get returns them for the run page", async () => {
    const { runId } = await caller.run.start({
      workflowId,
      task: "Describe it.",
      images: [png],
      audio: [wav],
    });
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.task).toBe("Describe it.");
    expect(run.input).toEqual({ images: [png], audio: [wav] });
    const shown = await caller.run.get({ runId });
    expect(shown.media).toEqual({ images: [png], audio: [wav] });
    expect("input" in shown).toBe(false);
  });

  it("stores no input for a run without files", async () => {
    const { runId } = await caller.run.start({ workflowId, task: "Just text." });
    expect((await db.run.findUniqueOrThrow({ where: { id: runId } })).input).toBeNull();
    expect((await caller.run.get({ runId })).media).toEqual({ images: [], audio: [] });
  });

  it("refuses an oversize file, naming the field and the limit", async () => {
    const big = dataUri("image/jpeg", RUN_INPUT_LIMITS.mediaBytes + 1024);
    expect(await refusal({ images: [png, big] })).toEqual([["images.1", "Each image is at most 5 MB."]]);
  });

  it("refuses a file of the wrong type in each field", async () => {
    expect(await refusal({ images: [wav] })).toEqual([
      ["images.0", "Give each image as an http(s) URL or a base64 data URI (data:image/…;base64,…)."],
    ]);
    expect(await refusal({ audio: [png] })).toEqual([
      ["audio.0", "Give each audio as an http(s) URL or a base64 data URI (data:audio/…;base64,…)."],
    ]);
  });

  it("refuses more files than a run takes", async () => {
    expect(await refusal({ images: Array(RUN_INPUT_LIMITS.images + 1).fill(png) })).toEqual([
      ["images", `At most ${RUN_INPUT_LIMITS.images} images.`],
    ]);
    expect(await refusal({ audio: Array(RUN_INPUT_LIMITS.audio + 1).fill(wav) })).toEqual([
      ["audio", `At most ${RUN_INPUT_LIMITS.audio} audio files.`],
    ]);
  });
});
