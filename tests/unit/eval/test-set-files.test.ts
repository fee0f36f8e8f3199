import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testSetSchema } from "~/eval/test-set";
import {
  parseCsvRecords,
  parseTestSetFile,
  serializeTestSet,
  type TestSetFileFormat,
  testSetFormatOf,
} from "~/eval/test-set-files";

/** Test set files: JSON, JSONL and CSV in and out; malformed files name the line and the column or field, and give no case. */

const problemsOf = (text: string, format: TestSetFileFormat) => {
  const parsed = parseTestSetFile(text, format);
  if (parsed.ok) throw new Error(`expected problems, got ${parsed.set.cases.length} cases`);
  return parsed.problems;
};

const set = testSetSchema.parse(JSON.parse(readFileSync("tests/fixtures/eval/every-check.json", "utf8")));

describe("test set files", () => {
  it("round-trips a set through JSON, JSONL and CSV unchanged", () => {
    for (const format of ["json", "jsonl", "csv"] as const) {
      const parsed = parseTestSetFile(serializeTestSet(set, format), format);
      if (!parsed.ok) throw new Error(`${format}: ${parsed.problems.join("\n")}`);
      const expected = format === "csv" ? { ...set, name: "Test set" } : set;
      expect(parsed.set, format).toEqual(expected);
    }
  });

  it("guards CSV cells against spreadsheet formulas and takes the guard off on import", () => {
    const formula = testSetSchema.parse({
      cases: [{ id: "f", task: '=HYPERLINK("http://evil")', checks: [{ kind: "exact", expected: "-1" }] }],
    });
    const csv = serializeTestSet(formula, "csv");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const parsed = parseTestSetFile(csv, "csv");
    expect(parsed.ok && parsed.set.cases[0]?.task).toBe('=HYPERLINK("http://evil")');
  });

  it("reads the simple check columns of a CSV written by hand, with quoted fields over several lines", () => {
    const csv = [
      "id,task,exact,contains,regex,number,tolerance",
      'sum,"Add 2 and 2,\nthen say it",four,,,4,0.5',
      "greet,Say hello,,hello,^h,,",
    ].join("\r\n");
    const parsed = parseTestSetFile(`\uFEFF${csv}`, "csv");
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    expect(
      parsed.set.cases.map((testCase) => [
        testCase.id,
        testCase.task,
        testCase.checks.map((check) => check.kind),
      ]),
    ).toEqual([
      ["sum", "Add 2 and 2,\nthen say it", ["exact", "numeric"]],
      ["greet", "Say hello", ["contains", "regex"]],
    ]);
    expect(parsed.set.cases[0]?.checks[1]).toMatchObject({ kind: "numeric", expected: 4, tolerance: 0.5 });
  });

  it("names the line and column of every malformed CSV cell, and imports nothing", () => {
    const csv = [
      "id,task,checks,number,images",
      "ok,Fine task,,3,",
      'bad-json,Task,"[{""kind"": ""exact"",}]",,',
      'bad-regex,Task,"[{""kind"": ""regex"", ""pattern"": ""(""}]",,',
      "bad-number,Task,,three,",
      "bad-image,Task,,,ftp://example.com/a.png",
      ",,,,",
      "no-task,,,,",
    ].join("\n");
    const problems = problemsOf(csv, "csv");
    expect(problems).toEqual([
      expect.stringMatching(/^line 3, column 3 \(checks\): not valid JSON: /),
      expect.stringMatching(/^line 4, column 3 \(checks\[0\]\.pattern\): Invalid regular expression: /),
      'line 5, column 4 (number): "three" is not a number',
      expect.stringMatching(
        /^line 6, column 5 \(images\[0\]\): Give each image as an http\(s\) URL or a base64 data URI/,
      ),
      "line 8, column 2 (task): Give the case a task.",
    ]);
  });

  it("refuses unknown and repeated CSV columns, a missing task column and unclosed quotes", () => {
    expect(problemsOf("id,task,expected\n", "csv")).toEqual([
      'line 1, column 3: unknown column "expected"; the columns are id, task, images, audio, additional_args, checks, recording, exact, contains, regex, number, tolerance',
    ]);
    expect(problemsOf("id,exact,exact\n", "csv")).toEqual([
      'line 1, column 3: the column "exact" appears twice',
      'line 1: the header has no "task" column',
    ]);
    expect(problemsOf('id,task\na,"never closed\nb,c\n', "csv")).toEqual([
      "line 2, column 3: a quoted field opened here is never closed",
    ]);
    expect(problemsOf('id,task\na,say "hi"\n', "csv")).toEqual([
      "line 2, column 7: a quote inside an unquoted field; quote the whole field and double the quotes in it",
    ]);
    expect(problemsOf("id,task\na,b,c\n", "csv")).toEqual(["line 2: 3 fields but the header has 2 columns"]);
    expect(problemsOf("", "csv")).toEqual([
      "The file is empty; its first line names the columns (id, task, checks, …).",
    ]);
  });

  it("names the line, column and field of malformed JSONL, and imports nothing", () => {
    const jsonl = [
      '{"format": "troupe.test-set", "name": "Lines"}',
      '{"id": "a", "task": "One", "checks": [{"kind": "exact", "expected": "1"}]}',
      '{"id": "b", "task": "Two", "checks": [{"kind": "exact", "expected": "2"}',
      "",
      '{"id": "c", "task": "Three", "checks": [{"kind": "numeric", "expected": "3"}]}',
      '{"id": "d", "task": "Four", "checks": [{"kind": "sorta"}]}',
      '{"id": "a", "task": "Again"}',
      "[1, 2]",
      '{"id": "e", "task": "Five", "recording": {"transcript": []}}',
      '{"id": "f", "task": "Six", "checks": [{"kind": "python", "source": "def verify(answer, run):\\n    return True"}]}',
      '{"id": "g", "task": "Seven", "colour": "red"}',
    ].join("\n");
    const problems = problemsOf(jsonl, "jsonl");
    expect(problems).toEqual([
      "line 3, column 73: not valid JSON: Expected ',' or ']' after array element in JSON",
      "line 5, field checks[0].expected: Invalid input: expected number, received string",
      "line 6, field checks[0].kind: Invalid discriminator value. Expected 'exact' | 'contains' | 'regex' | 'numeric' | 'jsonSchema' | 'python' | 'judge'",
      "line 8: each line is a JSON object (one case)",
      "line 9, field recording.transcript: A recording holds at least one model answer.",
      'line 10, field checks[0].source: The source must define a function named "check" taking (answer, run)',
      'line 11, field (case): Unrecognized key: "colour"',
    ]);
  });

  it("reports a case id used twice at the line of the second one", () => {
    const jsonl = ['{"id": "a", "task": "One"}', "", '{"id": "a", "task": "Two"}'].join("\n");
    expect(problemsOf(jsonl, "jsonl")).toEqual(['line 3, field id: Case id "a" is already used by line 1.']);
    expect(problemsOf("id,task\nb,One\nb,Two\n", "csv")).toEqual([
      'line 3, column 1 (id): Case id "b" is already used by line 2.',
    ]);
  });

  it("refuses prototype keys, deep nesting and oversized files", () => {
    expect(
      problemsOf('{"id": "a", "task": "t", "additionalArgs": {"__proto__": {"x": 1}}}', "jsonl"),
    ).toEqual(['line 1, field additionalArgs.__proto__: the key "__proto__" is not allowed']);
    expect(problemsOf(`{"cases": ${"[".repeat(70)}${"]".repeat(70)}}`, "json")).toEqual([
      "not valid JSON: nests deeper than 64 levels",
    ]);
    expect(problemsOf(" ".repeat(50 * 1024 * 1024 + 1), "jsonl")).toEqual([
      "The file is 50.0 MB; a test set file is at most 50.0 MB.",
    ]);
  });

  it("names the field of a malformed JSON set and the line of its syntax errors", () => {
    expect(
      problemsOf(
        '{"cases": [{"id": "x", "task": "t", "checks": [{"kind": "regex", "pattern": "a", "flags": "gz"}]}]}',
        "json",
      ),
    ).toEqual(["cases[0].checks[0].flags: Flags are some of i, m, s and u."]);
    expect(problemsOf('{\n  "cases": [\n    {"id": "x",, "task": "t"}\n  ]\n}', "json")).toEqual([
      expect.stringMatching(/^line 3, column 16: not valid JSON: /),
    ]);
    expect(problemsOf('{"name": "no cases"}', "json")).toEqual([
      'A test set JSON file is an object with a "cases" list.',
    ]);
  });

  it("tells formats by file name and splits CSV records as RFC 4180 does", () => {
    expect(["a.json", "b.JSONL", "c.ndjson", "d.csv", "e.txt"].map(testSetFormatOf)).toEqual([
      "json",
      "jsonl",
      "jsonl",
      "csv",
      undefined,
    ]);
    const records = parseCsvRecords('a,"b ""quoted""",c\r\n\r\n"x\ny",,z');
    expect(records).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ["a", 'b "quoted"', "c"] },
        { line: 3, cells: ["x\ny", "", "z"] },
      ],
    });
  });
});
