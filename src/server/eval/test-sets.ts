import "server-only";
import { ZodError } from "zod";
import type { RunEvent } from "~/agents/events";
import { answerText } from "~/eval/evaluate-checks";
import { caseFromRun } from "~/eval/recording";
import { issueMessages, TEST_SET_LIMITS, type TestCase, type TestSet, testCaseSchema } from "~/eval/test-set";
import {
  parseTestSetFile,
  serializeTestSet,
  type TestSetFileFormat,
  testSetFormatOf,
} from "~/eval/test-set-files";
import { isUniqueViolation, type Prisma, type PrismaClient } from "~/server/db";
import { storedRunInputSchema } from "~/server/runs/run-input";
import { listEventsAfter } from "~/server/runs/run-store";
import { storedTestCase } from "./stored";

/**
 * A team's test sets and their cases in the database: saving a case (its id unique in its set),
 * importing and exporting the file formats of src/eval/test-set-files.ts, and turning a finished run
 * into a case. Callers have checked who is asking (the evaluation router); every function here acts
 * on ids already known to be the caller's team's, and changes nothing when it refuses.
 */

/** Why a change to a test set was refused, in words for the caller. */
export class TestSetError extends Error {
  readonly kind: "not_found" | "conflict" | "invalid";
  constructor(kind: TestSetError["kind"], message: string) {
    super(message);
    this.name = "TestSetError";
    this.kind = kind;
  }
}

/**
 * The most characters an imported file may have through the app: the tRPC endpoint takes bodies of at
 * most 6 MB (src/lib/trpc-bounds.ts), so 5 MB of file and its envelope fit. Larger files (up to
 * TEST_SET_LIMITS.fileBytes) go through the command line.
 */
export const IMPORT_CONTENT_CHARS = 5 * 1024 * 1024;

const json = (value: unknown) => value as Prisma.InputJsonValue;

const keyTaken = (key: string) =>
  new TestSetError("conflict", `A case with the id "${key}" is already in this set; choose another id.`);

const setFull = () => new TestSetError("invalid", `A test set has at most ${TEST_SET_LIMITS.cases} cases.`);

/** Create a case (no `caseId`) or replace one of the set's cases; returns its id. */
export async function saveCase(
  db: PrismaClient,
  testSetId: string,
  caseId: string | undefined,
  testCase: TestCase,
  sourceRunId?: string,
): Promise<{ id: string }> {
  try {
    return await db.$transaction(async (tx) => {
      const clash = await tx.testCase.findFirst({
        where: { testSetId, key: testCase.id, ...(caseId ? { id: { not: caseId } } : {}) },
        select: { id: true },
      });
      if (clash) throw keyTaken(testCase.id);
      const fields = { key: testCase.id, task: testCase.task, data: json(testCase) };
      if (caseId) {
        const updated = await tx.testCase.updateMany({ where: { id: caseId, testSetId }, data: fields });
        if (updated.count === 0) throw new TestSetError("not_found", "Test case not found.");
        await tx.testSet.update({ where: { id: testSetId }, data: { updatedAt: new Date() } });
        return { id: caseId };
      }
      const count = await tx.testCase.count({ where: { testSetId } });
      if (count >= TEST_SET_LIMITS.cases) throw setFull();
      const last = await tx.testCase.aggregate({ where: { testSetId }, _max: { position: true } });
      const created = await tx.testCase.create({
        data: {
          testSetId,
          ...fields,
          position: (last._max.position ?? -1) + 1,
          sourceRunId: sourceRunId ?? null,
        },
        select: { id: true },
      });
      await tx.testSet.update({ where: { id: testSetId }, data: { updatedAt: new Date() } });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw keyTaken(testCase.id);
    throw error;
  }
}

/**
 * Import a file's cases into a set: `append` adds them (a case id already in the set replaces that
 * case), `replace` makes them the set's only cases. A file with any problem stores nothing and is
 * refused with its problems, each naming its line or field.
 */
export async function importCases(
  db: PrismaClient,
  testSetId: string,
  fileName: string,
  content: string,
  mode: "append" | "replace",
): Promise<{ added: number; replaced: number; total: number }> {
  const format = testSetFormatOf(fileName);
  if (!format) {
    throw new TestSetError("invalid", `"${fileName}" is not a test set file: use .json, .jsonl or .csv.`);
  }
  const parsed = parseTestSetFile(content, format);
  if (!parsed.ok) {
    throw new TestSetError("invalid", `${fileName} cannot be imported:\n${parsed.problems.join("\n")}`);
  }
  const incoming = parsed.set.cases;
  return db.$transaction(async (tx) => {
    const existing =
      mode === "replace"
        ? []
        : await tx.testCase.findMany({
            where: { testSetId },
            select: { id: true, key: true, position: true },
            orderBy: { position: "asc" },
          });
    if (mode === "replace") await tx.testCase.deleteMany({ where: { testSetId } });
    const byKey = new Map(existing.map((row) => [row.key, row]));
    const added = incoming.filter((testCase) => !byKey.has(testCase.id));
    const total = existing.length + added.length;
    if (total > TEST_SET_LIMITS.cases) throw setFull();
    let position = (existing.at(-1)?.position ?? -1) + 1;
    let replaced = 0;
    for (const testCase of incoming) {
      const fields = { task: testCase.task, data: json(testCase) };
      const current = byKey.get(testCase.id);
      if (current) {
        await tx.testCase.update({ where: { id: current.id }, data: fields });
        replaced += 1;
      } else {
        await tx.testCase.create({ data: { testSetId, key: testCase.id, position: position++, ...fields } });
      }
    }
    await tx.testSet.update({ where: { id: testSetId }, data: { updatedAt: new Date() } });
    return { added: added.length, replaced, total };
  });
}

/** A set in the file form (src/eval/test-set.ts testSetSchema), its cases in order. */
export async function testSetFile(db: PrismaClient, testSetId: string): Promise<TestSet> {
  const set = await db.testSet.findUniqueOrThrow({
    where: { id: testSetId },
    select: {
      name: true,
      description: true,
      cases: { orderBy: { position: "asc" }, select: { data: true } },
    },
  });
  return {
    format: "troupe.test-set",
    version: 1,
    name: set.name,
    ...(set.description ? { description: set.description } : {}),
    cases: set.cases.map((row) => storedTestCase(row.data)),
  };
}

/** A set as a file of `format` to download, named after the set. */
export async function exportSet(
  db: PrismaClient,
  testSetId: string,
  format: TestSetFileFormat,
): Promise<{ fileName: string; content: string }> {
  const set = await testSetFile(db, testSetId);
  const base = set.name.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "test-set";
  return { fileName: `${base}.${format}`, content: serializeTestSet(set, format) };
}

/** Every stored event of a run, in order. */
export async function allRunEvents(db: PrismaClient, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (;;) {
    const page = await listEventsAfter(db, runId, events.at(-1)?.seq ?? -1, 5000);
    events.push(...page);
    if (page.length < 5000) return events;
  }
}

export interface AddRunAsCaseInput {
  teamId: string;
  runId: string;
  /** An existing set of the team, or a new set named `newSetName`. */
  testSetId?: string;
  newSetName?: string;
  createdById: string;
  /** The case id; `run-<run id>` by default. */
  key?: string;
  /** The task; the run's by default. */
  task?: string;
  /** The answer an `exact` check expects: the run's final answer by default, no check when null. */
  expected?: string | null;
  /** Store the run's model answers and steps so the case replays offline. */
  freeze: boolean;
}

/**
 * A finished run of the team becomes a case: its task and inputs, an exact check on the expected
 * answer, and with `freeze` its recording (src/eval/recording.ts caseFromRun).
 */
export async function addRunAsCase(
  db: PrismaClient,
  input: AddRunAsCaseInput,
): Promise<{ testSetId: string; caseId: string; key: string }> {
  const run = await db.run.findFirst({
    where: { id: input.runId, teamId: input.teamId },
    select: { id: true, status: true, task: true, input: true, output: true },
  });
  if (!run) throw new TestSetError("not_found", "Run not found.");
  if (run.status !== "succeeded") {
    throw new TestSetError(
      "invalid",
      `Only a finished run can become a case; this run is ${run.status.replaceAll("_", " ")}.`,
    );
  }
  const stored = storedRunInputSchema.parse(run.input);
  const key = input.key ?? `run-${run.id}`;
  const task = input.task ?? run.task;
  const expected = input.expected === undefined ? answerText(run.output) : input.expected;
  const checks = expected === null ? [] : [{ kind: "exact" as const, expected }];
  const { conversation: _conversation, ...inputs } = stored ?? {};
  let testCase: TestCase;
  try {
    testCase = input.freeze
      ? caseFromRun(
          { ...inputs, id: key, task, runId: run.id, events: await allRunEvents(db, run.id) },
          checks,
        )
      : testCaseSchema.parse({ id: key, task, ...inputs, checks });
  } catch (error) {
    const reason =
      error instanceof ZodError
        ? issueMessages(error).join("; ")
        : error instanceof Error
          ? error.message
          : String(error);
    throw new TestSetError("invalid", `This run cannot become a case: ${reason}`);
  }
  const testSetId =
    input.testSetId ??
    (
      await db.testSet.create({
        data: { teamId: input.teamId, name: input.newSetName ?? "Test set", createdById: input.createdById },
        select: { id: true },
      })
    ).id;
  const saved = await saveCase(db, testSetId, undefined, testCase, run.id).catch(async (error: unknown) => {
    if (!input.testSetId) await db.testSet.delete({ where: { id: testSetId } });
    throw error;
  });
  return { testSetId, caseId: saved.id, key };
}
