import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonFile } from "~/cli/read-json-file";

const dir = mkdtempSync(join(tmpdir(), "troupe-json-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("readJsonFile", () => {
  it("parses a file", () => {
    expect(readJsonFile(file("ok.json", '{"a": [1, 2]}'))).toEqual({ a: [1, 2] });
  });

  it("names the file, the line and the column of a syntax error", () => {
    const path = file("agent.json", '{\n  "name": "a",\n  "type": "code,\n}');
    expect(() => readJsonFile(path)).toThrow(/^agent\.json: .+ at line 3, column \d+$/);
  });

  it("names a file that does not exist", () => {
    expect(() => readJsonFile(join(dir, "missing.json"))).toThrow("missing.json: no such file");
  });
});
