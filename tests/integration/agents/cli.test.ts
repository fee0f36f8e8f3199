import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runEventSchema } from "~/agents/events";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "troupe-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) =>
  run(process.execPath, ["--import", "tsx", "src/cli/agent.ts", ...args], {
    cwd: process.cwd(),
    timeout: 120_000,
  });

describe("npm run agent", () => {
  it("prints one JSON event per line and ends with the result, replaying a transcript file", async () => {
    const record = join(dir, "recorded.json");
    const { stdout } = await cli([
      "tests/fixtures/agents/research-team.json",
      "What is 17 * 23?",
      "--model",
      "replay:tests/fixtures/transcripts/research-team.json",
      "--executor",
      "local",
      "--json",
      "--record",
      record,
    ]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const result = lines.pop();
    expect(result).toMatchObject({ type: "result", state: "success", output: "17 × 23 is 391." });
    for (const event of lines) expect(runEventSchema.safeParse(event).success).toBe(true);
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i));
    expect(
      lines.some((e) => e.agentPath.join("/") === "manager/calculator" && e.type === "code_action"),
    ).toBe(true);
    expect(Object.keys(result.tokenUsageByAgent).sort()).toEqual(["manager", "manager/calculator"]);
    const recorded = JSON.parse(readFileSync(record, "utf8"));
    // Recorded text stops where the model stopped (the `</code>` stop sequence), as a live model's would.
    const normalise = (items: unknown[]) =>
      items.map((item) => (typeof item === "string" ? item.replace("</code>", "").trim() : item));
    expect(normalise(recorded)).toEqual(
      normalise(JSON.parse(readFileSync("tests/fixtures/transcripts/research-team.json", "utf8"))),
    );
  });

  it("prints a readable trace with the agent's own inline transcripts", async () => {
    const { stdout } = await cli([
      "tests/fixtures/agents/research-team.json",
      "What is 17 * 23?",
      "--executor",
      "local",
    ]);
    expect(stdout).toContain("▶ manager (toolCalling");
    expect(stdout).toContain("  ▶ manager/calculator (code");
    expect(stdout).toContain("⚙ calculator(");
    expect(stdout).toMatch(/Result \(success, \d+ ms, \d+ in \/ \d+ out tokens\):\n17 × 23 is 391\./);
  });

  it("runs the engine's multi-step path with --authorized-imports '*' (the hostile suites' best case)", async () => {
    const spec = join(dir, "walker.json");
    writeFileSync(
      spec,
      JSON.stringify({
        type: "code",
        name: "walker",
        maxSteps: 3,
        model: {
          provider: "replay",
          transcript: [
            "Thought: walk the heap\n<code>\nimport gc\nkinds = sorted({type(o).__name__ for o in gc.get_objects()})\n</code>",
            "Thought: report\n<code>\nfinal_answer('list' in kinds)\n</code>",
          ],
        },
        executor: { kind: "pyodide" },
      }),
    );
    const { stdout } = await cli([spec, "Walk the heap", "--authorized-imports", "*", "--json"]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const result = lines.pop();
    expect(result).toMatchObject({ type: "result", state: "success", output: true });
    expect(lines.filter((event) => event.type === "code_action")).toHaveLength(2);
  });

  it("fails clearly on a bad spec", async () => {
    const error = await cli(["tests/fixtures/transcripts/research-team.json", "x"]).catch((e) => e);
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/Invalid agent spec/);
  });
});
