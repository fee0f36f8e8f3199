import { z } from "zod";
import { modelSpecSchema, transcriptItemSchema } from "~/graph/agent-spec";
import { jsonSchemaProblem, pythonCheckSourceProblem } from "~/graph/final-answer-checks";
import { text } from "~/graph/text";
import { RUN_INPUT_LIMITS, runAdditionalArgsSchema, runAudioSchema, runImagesSchema } from "~/lib/run-media";

/**
 * The test set format (issue 19): cases — a task with the inputs a run accepts, the checks its answer
 * must pass, and optionally a recording whose model answers are replayed — in one zod schema shared
 * by the JSON, JSONL and CSV files (./test-set-files.ts), the command line and, later, the database
 * and the browser. Pure and browser-safe: it imports only the graph and `src/lib`.
 */

/** Bounds of one test set. */
export const TEST_SET_LIMITS = {
  cases: 1000,
  checksPerCase: 20,
  /** A test set file (JSON, JSONL or CSV), checked before parsing. */
  fileBytes: 50 * 1024 * 1024,
  caseIdChars: 100,
  /** Recorded model answers of one regression case. */
  transcriptItems: 500,
  /** Recorded steps of one regression case. */
  recordedSteps: 500,
} as const;

/** What the name of a Python check function is: every Python check defines `check(answer, run)`. */
export const PYTHON_CHECK_FUNCTION = "check";

const label = z.string().trim().min(1).max(200).optional().describe("A name shown in results.");

/** The answer equals the expected text (after trimming both, unless `trim` is false). */
export const exactCheckSchema = z.strictObject({
  kind: z.literal("exact"),
  label,
  expected: text().max(100_000),
  trim: z.boolean().default(true),
  caseSensitive: z.boolean().default(true),
});

/** The answer contains the expected text (case-insensitive unless `caseSensitive`). */
export const containsCheckSchema = z.strictObject({
  kind: z.literal("contains"),
  label,
  expected: text().min(1, "Give the text the answer must contain.").max(100_000),
  caseSensitive: z.boolean().default(false),
});

/** Why a regular expression cannot be compiled, or undefined. */
export function regexProblem(pattern: string, flags = ""): string | undefined {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.startsWith("Invalid regular expression")
      ? message
      : `Invalid regular expression: ${message}`;
  }
}

const flagsPattern = /^[imsu]*$/;

/**
 * The answer matches a JavaScript regular expression (`flags` like "i", "m", "s"). It is matched in
 * the evaluating process: a pattern that backtracks badly can hold it, so a host evaluating sets
 * written by others (the server) must bound that time.
 */
export const regexCheckSchema = z
  .strictObject({
    kind: z.literal("regex"),
    label,
    pattern: z.string().min(1, "Give a regular expression.").max(10_000),
    flags: z.string().regex(flagsPattern, "Flags are some of i, m, s and u.").default(""),
  })
  .superRefine((check, context) => {
    if (!flagsPattern.test(check.flags)) return;
    const problem = regexProblem(check.pattern, check.flags);
    if (problem) context.addIssue({ code: "custom", path: ["pattern"], message: problem });
  });

/**
 * The number in the answer (the answer itself when it is a number, else the last number written in
 * it) is within `tolerance` of `expected` — an absolute difference, or a fraction of `expected` when
 * `relative`.
 */
export const numericCheckSchema = z.strictObject({
  kind: z.literal("numeric"),
  label,
  expected: z.number().finite(),
  tolerance: z.number().finite().min(0, "The tolerance is zero or more.").default(0),
  relative: z.boolean().default(false),
});

/** The structured answer (a JSON string is parsed first) matches a JSON Schema. */
export const jsonSchemaCheckSchema = z
  .strictObject({
    kind: z.literal("jsonSchema"),
    label,
    schema: z.record(z.string(), z.unknown()),
  })
  .superRefine((check, context) => {
    const problem = jsonSchemaProblem(check.schema);
    if (problem) context.addIssue({ code: "custom", path: ["schema"], message: problem });
  });

/**
 * A Python function `check(answer, run)` run in a sandbox: `run` holds the run's state, steps,
 * tokens, cost, latency, error and tool calls. Returning a true value passes; returning False, or
 * `(False, "why")`, or raising fails with that reason.
 */
export const pythonCheckSchema = z
  .strictObject({
    kind: z.literal("python"),
    label,
    source: z.string().max(100_000),
  })
  .superRefine((check, context) => {
    const problem = pythonCheckSourceProblem(PYTHON_CHECK_FUNCTION, check.source)?.replace(
      "(answer, memory)",
      "(answer, run)",
    );
    if (problem) context.addIssue({ code: "custom", path: ["source"], message: problem });
  });

/** A model grades the answer against a rubric; its tokens and cost are reported apart from the run's. */
export const judgeCheckSchema = z.strictObject({
  kind: z.literal("judge"),
  label,
  model: modelSpecSchema,
  rubric: text().trim().min(1, "Write the rubric the judge grades with.").max(20_000),
});

/** One check on a case's answer. */
export const caseCheckSchema = z.discriminatedUnion("kind", [
  exactCheckSchema,
  containsCheckSchema,
  regexCheckSchema,
  numericCheckSchema,
  jsonSchemaCheckSchema,
  pythonCheckSchema,
  judgeCheckSchema,
]);
export type CaseCheck = z.infer<typeof caseCheckSchema>;
export type CaseCheckInput = z.input<typeof caseCheckSchema>;
export type CaseCheckKind = CaseCheck["kind"];

/** The kinds of check, in the order a person meets them. */
export const caseCheckKinds = [
  "exact",
  "contains",
  "regex",
  "numeric",
  "jsonSchema",
  "python",
  "judge",
] as const satisfies readonly CaseCheckKind[];

/** A tool call of a recorded step, as compared on replay (ids differ between runs and are left out). */
export const traceToolCallSchema = z.strictObject({
  name: z.string(),
  arguments: z.unknown(),
});

/**
 * One step of a run as replay compares it: which agent (path joined with "/"), its step number, the
 * tool calls, code and observation of the step, and its error message if it failed.
 */
export const traceStepSchema = z.strictObject({
  agent: z.string(),
  step: z.number().int(),
  toolCalls: z.array(traceToolCallSchema).default([]),
  code: z.string().optional(),
  observation: z.string().optional(),
  error: z.string().optional(),
});
export type TraceStep = z.infer<typeof traceStepSchema>;

/**
 * A finished run frozen for replay: its model answers in call order (the whole agent tree), the
 * model the root agent used (so a replay is priced like the original), and its steps to compare.
 */
export const caseRecordingSchema = z.strictObject({
  model: z.string().max(200).default("replay"),
  transcript: z
    .array(transcriptItemSchema)
    .min(1, "A recording holds at least one model answer.")
    .max(TEST_SET_LIMITS.transcriptItems),
  steps: z.array(traceStepSchema).max(TEST_SET_LIMITS.recordedSteps).default([]),
  /** The run this was recorded from, when it came from one. */
  runId: z.string().max(100).optional(),
});
export type CaseRecording = z.infer<typeof caseRecordingSchema>;

/** A case id: letters, digits, and `.`, `_`, `-`, `:` (it names the case in results and comparisons). */
export const caseIdSchema = z
  .string()
  .min(1)
  .max(TEST_SET_LIMITS.caseIdChars)
  .regex(/^[\w.:-]+$/, "Case ids are letters, digits, and . _ - : (no spaces).");

/**
 * One case: what a run is given (as the HTTP API's run input: task, images, audio, extra values)
 * and what its answer must pass. A case with a recording is replayed instead of calling models.
 */
export const testCaseSchema = z.strictObject({
  id: caseIdSchema,
  task: text()
    .trim()
    .min(1, "Give the case a task.")
    .max(
      RUN_INPUT_LIMITS.taskChars,
      `Tasks are at most ${RUN_INPUT_LIMITS.taskChars.toLocaleString("en-US")} characters.`,
    ),
  images: runImagesSchema.optional(),
  audio: runAudioSchema.optional(),
  additionalArgs: runAdditionalArgsSchema.optional(),
  checks: z.array(caseCheckSchema).max(TEST_SET_LIMITS.checksPerCase).default([]),
  recording: caseRecordingSchema.optional(),
});
export type TestCase = z.infer<typeof testCaseSchema>;
export type TestCaseInput = z.input<typeof testCaseSchema>;

/** A test set: a named list of cases with distinct ids (the JSON file form, `format: troupe.test-set`). */
export const testSetSchema = z
  .strictObject({
    format: z.literal("troupe.test-set").default("troupe.test-set"),
    version: z.literal(1).default(1),
    name: text().trim().min(1).max(200).default("Test set"),
    description: text().max(4000).optional(),
    cases: z
      .array(testCaseSchema)
      .max(TEST_SET_LIMITS.cases, `A test set has at most ${TEST_SET_LIMITS.cases} cases.`),
  })
  .superRefine((set, context) => {
    const seen = new Map<string, number>();
    set.cases.forEach((testCase, index) => {
      const first = seen.get(testCase.id);
      if (first !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["cases", index, "id"],
          message: `Case id "${testCase.id}" is already used by case ${first + 1}.`,
        });
      } else seen.set(testCase.id, index);
    });
  });
export type TestSet = z.infer<typeof testSetSchema>;
export type TestSetInput = z.input<typeof testSetSchema>;

/** A zod issue path as a person reads it: `checks[0].pattern`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

/** The first problems of a failed parse, each with its field (`cases[2].checks[0].pattern: …`). */
export function issueMessages(error: z.ZodError, max = 5): string[] {
  return error.issues.slice(0, max).map((issue) => {
    const where = fieldPath(issue.path);
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}
