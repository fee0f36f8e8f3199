import { maxJsonDepth } from "~/graph/import";
import {
  type CaseCheckInput,
  fieldPath,
  issueMessages,
  TEST_SET_LIMITS,
  type TestCaseInput,
  type TestSet,
  testCaseSchema,
  testSetSchema,
} from "./test-set";

/**
 * Test set files in and out: JSON (the whole set), JSONL (one case a line, optionally a first line
 * with the set's name) and CSV (one case a row; JSON in the cells that hold lists or objects, and
 * plain columns for the simple checks). Parsing never throws and is all or nothing: a file with any
 * problem gives back only the problems — each naming the line, and the column or field — and no case.
 * Browser-safe.
 */

/** The file formats of a test set. */
export type TestSetFileFormat = "json" | "jsonl" | "csv";

export type TestSetParseResult =
  | { ok: true; set: TestSet }
  | {
      ok: false;
      /** Up to `maxProblems` problems, each a sentence naming where ("line 4, column 6 (checks): …"). */
      problems: string[];
    };

const maxProblems = 20;
const maxDepth = 64;

/** The format a file name says (.json, .jsonl / .ndjson, .csv), or undefined. */
export function testSetFormatOf(fileName: string): TestSetFileFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".csv")) return "csv";
  return undefined;
}

/** Parse a test set file of the given format (see the module comment). */
export function parseTestSetFile(text: string, format: TestSetFileFormat): TestSetParseResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > TEST_SET_LIMITS.fileBytes) {
    const megabytes = (value: number) => (value / 1024 / 1024).toFixed(1);
    return {
      ok: false,
      problems: [
        `The file is ${megabytes(bytes)} MB; a test set file is at most ${megabytes(TEST_SET_LIMITS.fileBytes)} MB.`,
      ],
    };
  }
  const body = text.replace(/^\uFEFF/, "");
  switch (format) {
    case "json":
      return parseJsonSet(body);
    case "jsonl":
      return parseJsonlSet(body);
    case "csv":
      return parseCsvSet(body);
  }
}

/** Line and column (1-based) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** JSON.parse with its error as a sentence giving the line and column within `text`. */
function parseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string; line?: number; column?: number } {
  if (maxJsonDepth(text) > maxDepth) {
    return { ok: false, message: `nests deeper than ${maxDepth} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const reason = message.replace(/\s*(?:at position \d+)?\s*(?:\(line \d+ column \d+\))?$/, "");
    if (!position) return { ok: false, message: reason };
    return { ok: false, message: reason, ...lineAndColumn(text, Number(position[1])) };
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** The path of a prototype-polluting key anywhere in a parsed value, if any. */
function forbiddenKeyPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = forbiddenKeyPath(item, [...path, index]);
      if (found) return found;
    }
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (forbiddenKeys.has(key)) return [...path, key];
      const found = forbiddenKeyPath(value[key], [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

function parseJsonSet(text: string): TestSetParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const where = parsed.line ? `line ${parsed.line}, column ${parsed.column}: ` : "";
    return { ok: false, problems: [`${where}not valid JSON: ${parsed.message}`] };
  }
  const forbidden = forbiddenKeyPath(parsed.value);
  if (forbidden)
    return { ok: false, problems: [`${fieldPath(forbidden)}: the key "${forbidden.at(-1)}" is not allowed`] };
  if (!isPlainObject(parsed.value) || !Array.isArray(parsed.value.cases)) {
    return { ok: false, problems: ['A test set JSON file is an object with a "cases" list.'] };
  }
  const result = testSetSchema.safeParse(parsed.value);
  if (!result.success) return { ok: false, problems: issueMessages(result.error, maxProblems) };
  return { ok: true, set: result.data };
}

/** Cases with the line each came from; checks the whole set (distinct ids, count) at the end. */
function finishSet(
  header: Record<string, unknown>,
  cases: { line: number; value: unknown; fieldName?: (path: PropertyKey[]) => string }[],
  problems: string[],
): TestSetParseResult {
  if (problems.length) return { ok: false, problems: problems.slice(0, maxProblems) };
  if (cases.length === 0) return { ok: false, problems: ["The file has no cases."] };
  const result = testSetSchema.safeParse({ ...header, cases: cases.map((entry) => entry.value) });
  if (result.success) return { ok: true, set: result.data };
  const messages = result.error.issues.slice(0, maxProblems).map((issue) => {
    const [first, index, ...rest] = issue.path;
    if (first === "cases" && typeof index === "number" && cases[index]) {
      const entry = cases[index];
      const field = entry.fieldName ? entry.fieldName(rest) : `field ${fieldPath(rest)}`;
      // A file names cases by line, not by position.
      const message = issue.message.replace(
        /already used by case (\d+)\./,
        (_, number: string) => `already used by line ${cases[Number(number) - 1]?.line ?? "?"}.`,
      );
      return `line ${entry.line}, ${field}: ${message}`;
    }
    const where = fieldPath(issue.path);
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  return { ok: false, problems: messages };
}

function parseJsonlSet(text: string): TestSetParseResult {
  const problems: string[] = [];
  const cases: { line: number; value: unknown }[] = [];
  let header: Record<string, unknown> = {};
  const lines = text.split(/\r?\n/);
  let seenContent = false;
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    const parsed = parseJson(raw);
    if (!parsed.ok) {
      problems.push(
        `line ${line}${parsed.column ? `, column ${parsed.column}` : ""}: not valid JSON: ${parsed.message}`,
      );
      seenContent = true;
      continue;
    }
    const forbidden = forbiddenKeyPath(parsed.value);
    if (forbidden) {
      problems.push(
        `line ${line}, field ${fieldPath(forbidden)}: the key "${forbidden.at(-1)}" is not allowed`,
      );
      continue;
    }
    if (!isPlainObject(parsed.value)) {
      problems.push(`line ${line}: each line is a JSON object (one case)`);
      continue;
    }
    if (!seenContent && parsed.value.format === "troupe.test-set") {
      const { cases: _ignored, ...rest } = parsed.value;
      header = rest;
      seenContent = true;
      continue;
    }
    seenContent = true;
    if (cases.length >= TEST_SET_LIMITS.cases) {
      problems.push(`line ${line}: a test set has at most ${TEST_SET_LIMITS.cases} cases`);
      break;
    }
    const value = { ...parsed.value };
    if (value.id === undefined) value.id = `line-${line}`;
    const checked = testCaseSchema.safeParse(value);
    if (!checked.success) {
      for (const issue of checked.error.issues.slice(0, 3)) {
        problems.push(`line ${line}, field ${fieldPath(issue.path) || "(case)"}: ${issue.message}`);
      }
      continue;
    }
    cases.push({ line, value });
    if (problems.length >= maxProblems) break;
  }
  return finishSet(header, cases, problems);
}

/** The CSV columns, in the order export writes them; JSON columns hold JSON text. */
export const csvColumns = [
  "id",
  "task",
  "images",
  "audio",
  "additional_args",
  "checks",
  "recording",
] as const;
/** Columns import also accepts, each adding one simple check (a row may leave them empty). */
export const csvCheckColumns = ["exact", "contains", "regex", "number", "tolerance"] as const;

type CsvColumn = (typeof csvColumns)[number] | (typeof csvCheckColumns)[number];
const knownColumns: readonly string[] = [...csvColumns, ...csvCheckColumns];

/** A case field → the CSV column holding it. */
const columnOfField: Record<string, CsvColumn> = {
  id: "id",
  task: "task",
  images: "images",
  audio: "audio",
  additionalArgs: "additional_args",
  checks: "checks",
  recording: "recording",
};

interface CsvRecord {
  /** Line where the record starts (1-based). */
  line: number;
  cells: string[];
}

/**
 * RFC 4180 records: fields separated by commas, quoted with double quotes ("" inside is one "),
 * quoted fields may span lines; CRLF or LF. An unclosed quote is reported at the line it opened.
 */
export function parseCsvRecords(
  text: string,
): { ok: true; records: CsvRecord[] } | { ok: false; message: string } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let quoteColumn = 0;
  let cellStart = true;
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    column++;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
          column++;
        } else quoted = false;
      } else {
        if (char === "\n") {
          line++;
          column = 0;
        }
        cell += char;
      }
      continue;
    }
    if (char === '"' && cellStart) {
      quoted = true;
      quoteLine = line;
      quoteColumn = column;
      cellStart = false;
      continue;
    }
    if (char === ",") {
      cells.push(cell);
      cell = "";
      cellStart = true;
      continue;
    }
    if (char === "\r" && text[i + 1] === "\n") continue;
    if (char === "\n") {
      cells.push(cell);
      records.push({ line: recordLine, cells });
      cells = [];
      cell = "";
      cellStart = true;
      line++;
      column = 0;
      recordLine = line;
      continue;
    }
    if (char === '"') {
      return {
        ok: false,
        message: `line ${line}, column ${column}: a quote inside an unquoted field; quote the whole field and double the quotes in it`,
      };
    }
    cell += char;
    cellStart = false;
  }
  if (quoted) {
    return {
      ok: false,
      message: `line ${quoteLine}, column ${quoteColumn}: a quoted field opened here is never closed`,
    };
  }
  if (cell !== "" || cells.length > 0) {
    cells.push(cell);
    records.push({ line: recordLine, cells });
  }
  return { ok: true, records: records.filter((record) => record.cells.some((value) => value.trim() !== "")) };
}

/** A cell export guarded against spreadsheet formulas (a leading ' before =, +, -, @): the value again. */
function unguarded(cell: string): string {
  return /^'[=+\-@]/.test(cell) ? cell.slice(1) : cell;
}

function parseCsvSet(text: string): TestSetParseResult {
  const parsed = parseCsvRecords(text);
  if (!parsed.ok) return { ok: false, problems: [parsed.message] };
  const [headerRecord, ...rows] = parsed.records;
  if (!headerRecord)
    return {
      ok: false,
      problems: ["The file is empty; its first line names the columns (id, task, checks, …)."],
    };
  const header = headerRecord.cells.map((cell) => cell.trim().toLowerCase());
  const problems: string[] = [];
  header.forEach((name, index) => {
    if (!knownColumns.includes(name)) {
      problems.push(
        `line ${headerRecord.line}, column ${index + 1}: unknown column "${name}"; the columns are ${knownColumns.join(", ")}`,
      );
    } else if (header.indexOf(name) !== index) {
      problems.push(`line ${headerRecord.line}, column ${index + 1}: the column "${name}" appears twice`);
    }
  });
  if (!header.includes("task")) problems.push(`line ${headerRecord.line}: the header has no "task" column`);
  if (problems.length) return { ok: false, problems };
  if (rows.length > TEST_SET_LIMITS.cases) {
    return {
      ok: false,
      problems: [`The file has ${rows.length} rows; a test set has at most ${TEST_SET_LIMITS.cases} cases.`],
    };
  }
  const columnNumber = (name: CsvColumn) => header.indexOf(name) + 1;
  const cases: { line: number; value: unknown; fieldName: (path: PropertyKey[]) => string }[] = [];
  for (const row of rows) {
    const where = (name: CsvColumn) => `line ${row.line}, column ${columnNumber(name)} (${name})`;
    if (row.cells.length > header.length) {
      problems.push(
        `line ${row.line}: ${row.cells.length} fields but the header has ${header.length} columns`,
      );
      continue;
    }
    const cell = (name: CsvColumn): string | undefined => {
      const index = header.indexOf(name);
      const value = index < 0 ? undefined : row.cells[index];
      return value === undefined || value.trim() === "" ? undefined : unguarded(value);
    };
    const rowProblems: string[] = [];
    const json = (name: CsvColumn): unknown => {
      const value = cell(name);
      if (value === undefined) return undefined;
      const result = parseJson(value);
      if (!result.ok) {
        rowProblems.push(`${where(name)}: not valid JSON: ${result.message}`);
        return undefined;
      }
      const forbidden = forbiddenKeyPath(result.value);
      if (forbidden) rowProblems.push(`${where(name)}: the key "${forbidden.at(-1)}" is not allowed`);
      return result.value;
    };
    /** Media columns: a JSON list, or URLs / data URIs separated by spaces or new lines. */
    const media = (name: "images" | "audio"): unknown => {
      const value = cell(name);
      if (value === undefined) return undefined;
      return value.trim().startsWith("[") ? json(name) : value.trim().split(/\s+/);
    };
    const value: Record<string, unknown> = {
      id: cell("id")?.trim() ?? `line-${row.line}`,
      task: cell("task") ?? "",
    };
    const images = media("images");
    if (images !== undefined) value.images = images;
    const audio = media("audio");
    if (audio !== undefined) value.audio = audio;
    const extra = json("additional_args");
    if (extra !== undefined) value.additionalArgs = extra;
    const recording = json("recording");
    if (recording !== undefined) value.recording = recording;
    const listed = json("checks");
    if (listed !== undefined && !Array.isArray(listed))
      rowProblems.push(`${where("checks")}: a JSON list of checks`);
    const checks: unknown[] = Array.isArray(listed) ? [...listed] : [];
    /** The column each check came from, by index. */
    const checkColumns: CsvColumn[] = checks.map(() => "checks");
    const simple = (name: CsvColumn, check: CaseCheckInput | undefined) => {
      if (!check) return;
      checks.push(check);
      checkColumns.push(name);
    };
    const exact = cell("exact");
    simple("exact", exact === undefined ? undefined : { kind: "exact", expected: exact });
    const contains = cell("contains");
    simple("contains", contains === undefined ? undefined : { kind: "contains", expected: contains });
    const regex = cell("regex");
    simple("regex", regex === undefined ? undefined : { kind: "regex", pattern: regex });
    const number = cell("number");
    const tolerance = cell("tolerance");
    if (number !== undefined) {
      const expected = Number(number.trim());
      const allowed = tolerance === undefined ? 0 : Number(tolerance.trim());
      if (!Number.isFinite(expected)) rowProblems.push(`${where("number")}: "${number}" is not a number`);
      else if (!Number.isFinite(allowed))
        rowProblems.push(`${where("tolerance")}: "${tolerance}" is not a number`);
      else simple("number", { kind: "numeric", expected, tolerance: allowed });
    } else if (tolerance !== undefined) {
      rowProblems.push(`${where("tolerance")}: a tolerance needs a number in the "number" column`);
    }
    if (checks.length) value.checks = checks;
    const fieldName = (path: PropertyKey[]): string => {
      const [field, index, ...rest] = path;
      if (field === "checks" && typeof index === "number") {
        const column = checkColumns[index] ?? "checks";
        const inner = fieldPath(rest);
        // A plain check column holds one value: the column names it; a checks list names the field inside.
        if (column !== "checks") return `column ${columnNumber(column)} (${column})`;
        return `column ${columnNumber(column)} (checks[${index}]${inner ? `${inner.startsWith("[") ? "" : "."}${inner}` : ""})`;
      }
      const column = typeof field === "string" ? columnOfField[field] : undefined;
      if (!column || columnNumber(column) === 0) return `field ${fieldPath(path) || "(case)"}`;
      const inner = fieldPath(path.slice(1));
      return `column ${columnNumber(column)} (${column}${inner ? `${inner.startsWith("[") ? "" : "."}${inner}` : ""})`;
    };
    if (rowProblems.length) {
      problems.push(...rowProblems);
      continue;
    }
    const checked = testCaseSchema.safeParse(value);
    if (!checked.success) {
      for (const issue of checked.error.issues.slice(0, 3)) {
        problems.push(`line ${row.line}, ${fieldName(issue.path)}: ${issue.message}`);
      }
      continue;
    }
    cases.push({ line: row.line, value: value as TestCaseInput, fieldName });
    if (problems.length >= maxProblems) break;
  }
  return finishSet({}, cases, problems);
}

/** The set as a JSON file (`format: troupe.test-set`). */
export function testSetToJson(set: TestSet): string {
  return `${JSON.stringify(set, null, 2)}\n`;
}

/** The set as JSONL: a first line with the set's name, then one case a line. */
export function testSetToJsonl(set: TestSet): string {
  const { cases, ...header } = set;
  return [header, ...cases]
    .map((entry) => JSON.stringify(entry))
    .join("\n")
    .concat("\n");
}

/** One CSV cell: guarded against spreadsheet formulas, quoted when it needs to be. */
function csvCell(value: string): string {
  const guarded = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) || guarded !== guarded.trim()
    ? `"${guarded.replaceAll('"', '""')}"`
    : guarded;
}

/**
 * The set as CSV (`csvColumns`; lists and objects as JSON text). Cells starting with =, +, - or @
 * get a leading ' so a spreadsheet shows them as text; import takes it off again.
 */
export function testSetToCsv(set: TestSet): string {
  const jsonCell = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));
  const rows = set.cases.map((testCase) =>
    [
      testCase.id,
      testCase.task,
      jsonCell(testCase.images),
      jsonCell(testCase.audio),
      jsonCell(testCase.additionalArgs),
      testCase.checks.length ? JSON.stringify(testCase.checks) : "",
      jsonCell(testCase.recording),
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[csvColumns.join(","), ...rows].join("\r\n")}\r\n`;
}

/** The set in one of the file formats. */
export function serializeTestSet(set: TestSet, format: TestSetFileFormat): string {
  switch (format) {
    case "json":
      return testSetToJson(set);
    case "jsonl":
      return testSetToJsonl(set);
    case "csv":
      return testSetToCsv(set);
  }
}
