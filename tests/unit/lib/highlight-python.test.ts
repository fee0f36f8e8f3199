import { describe, expect, it } from "vitest";
import { highlightPython } from "~/lib/highlight-python";

describe("highlightPython", () => {
  const source = [
    "import statistics  # standard library",
    "@cache",
    "def mean_of(values: list) -> float:",
    '    """Mean of values."""',
    "    return statistics.mean(values) * 1_000 + 0x1F",
    'answer = researcher(task=f"population of {city}")',
    "final_answer(answer if answer is not None else 'none')",
  ].join("\n");
  const tokens = highlightPython(source);
  const of = (type: string) => tokens.filter((t) => t.type === type).map((t) => t.text);

  it("gives back the source exactly", () => {
    expect(tokens.map((t) => t.text).join("")).toBe(source);
  });

  it("classifies keywords, builtins, strings, comments, numbers, decorators and calls", () => {
    expect(of("keyword")).toEqual(["import", "def", "return", "if", "is", "not", "None", "else"]);
    expect(of("comment")).toEqual(["# standard library"]);
    expect(of("decorator")).toEqual(["@cache"]);
    expect(of("string")).toEqual(['"""Mean of values."""', 'f"population of {city}"', "'none'"]);
    expect(of("number")).toEqual(["1_000", "0x1F"]);
    expect(of("builtin")).toEqual(["list", "float", "final_answer"]);
    expect(of("function")).toEqual(["mean_of", "mean", "researcher"]);
  });

  it("keeps an unterminated string to the end of its line", () => {
    const broken = highlightPython('x = "open\ny = 1');
    expect(broken.find((t) => t.type === "string")?.text).toBe('"open');
    expect(broken.find((t) => t.type === "number")?.text).toBe("1");
  });
});
