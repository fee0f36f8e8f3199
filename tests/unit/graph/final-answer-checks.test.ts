import { describe, expect, it } from "vitest";
import { freshCheckName, newCheck } from "~/components/canvas/final-answer-checks-editor";
import { agentSpecSchema } from "~/graph/agent-spec";
import { compile } from "~/graph/compile";
import { jsonSchemaProblem } from "~/graph/final-answer-checks";
import { validate } from "~/graph/validate";
import type { FinalAnswerCheckData, WorkflowDocument } from "~/graph/workflow-document";

const positive = {
  kind: "python" as const,
  name: "is_positive",
  source: "def is_positive(answer, memory) -> bool:\n    return answer > 0\n",
};
const shape = {
  kind: "jsonSchema" as const,
  name: "is_report",
  schema: { type: "object", properties: { total: { type: "integer" } }, required: ["total"] },
};

const agentSpec = { type: "code", name: "clerk", model: { provider: "replay", transcript: ["x"] } };
const specIssues = (finalAnswerChecks: unknown) => {
  const parsed = agentSpecSchema.safeParse({ ...agentSpec, finalAnswerChecks });
  return parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join("."), issue.message]);
};

function documentWith(
  checks: FinalAnswerCheckData[],
  outputSchema?: Record<string, unknown>,
): WorkflowDocument {
  return {
    version: 1,
    viewport: { x: 0, y: 0, zoom: 1 },
    nodes: [
      {
        id: "a",
        type: "agent",
        position: { x: 0, y: 0 },
        data: {
          agentType: "code",
          name: "clerk",
          description: "",
          instructions: "",
          maxSteps: 5,
          addBaseTools: false,
          additionalAuthorizedImports: [],
          finalAnswerChecks: checks,
          ...(outputSchema ? { outputSchema } : {}),
        },
      },
      {
        id: "m",
        type: "model",
        position: { x: 0, y: 100 },
        data: { provider: "replay", model: "replay", transcript: ["final_answer(1)"] },
      },
    ],
    edges: [{ id: "e", source: "a", target: "m", type: "uses-model" }],
  };
}

const canvasIssues = (doc: WorkflowDocument) =>
  validate(doc).map((issue) => [issue.code, issue.path.slice(3).join("."), issue.message]);

describe("final-answer checks in the agent spec (smolagents' final_answer_checks)", () => {
  it("accepts Python and JSON-Schema checks and keeps them in order", () => {
    const parsed = agentSpecSchema.parse({ ...agentSpec, finalAnswerChecks: [positive, shape] });
    expect(parsed.finalAnswerChecks).toEqual([positive, shape]);
    expect(agentSpecSchema.parse(agentSpec).finalAnswerChecks).toBeUndefined();
  });

  it("refuses bad checks with a message naming the field", () => {
    expect(specIssues([{ ...positive, source: "" }])).toEqual([
      ["finalAnswerChecks.0.source", "Write the check's Python function: def check(answer, memory) -> bool"],
    ]);
    expect(specIssues([{ ...positive, source: "def other(answer, memory):\n    return True" }])).toEqual([
      [
        "finalAnswerChecks.0.source",
        'The source must define a function named "is_positive" taking (answer, memory)',
      ],
    ]);
    expect(specIssues([{ ...shape, schema: { type: "strng" } }])).toEqual([
      ["finalAnswerChecks.0.schema", "Invalid JSON Schema: Unsupported type: strng"],
    ]);
    expect(specIssues([positive, { ...shape, name: "is_positive" }])).toEqual([
      ["finalAnswerChecks.1.name", 'Another check is already named "is_positive"'],
    ]);
    expect(specIssues([{ ...positive, name: "2fast" }])[0]?.[0]).toBe("finalAnswerChecks.0.name");
    expect(specIssues([{ ...positive, sorce: "x" }])).toEqual([
      ["finalAnswerChecks.0", "Unknown key 'sorce' (did you mean 'source'?)"],
    ]);
  });

  it("judges a JSON Schema by whether the engine can build it", () => {
    expect(jsonSchemaProblem({})).toBeUndefined();
    expect(jsonSchemaProblem(shape.schema)).toBeUndefined();
    expect(jsonSchemaProblem([])).toBe("The JSON Schema must be an object");
    expect(jsonSchemaProblem({ $ref: "#/definitions/missing" })).toMatch(/^Invalid JSON Schema: /);
    expect(jsonSchemaProblem({ type: "string", pattern: "([" })).toMatch(/^Invalid JSON Schema: /);
  });
});

describe("final-answer checks on the canvas", () => {
  it("compiles the agent node's checks into its spec", () => {
    const result = compile(documentWith([positive, shape]));
    expect(result.ok && result.spec.finalAnswerChecks).toEqual([positive, shape]);
    const none = compile(documentWith([]));
    expect(none.ok && "finalAnswerChecks" in none.spec).toBe(false);
  });

  it("says what is wrong per check and field: names, empty source, missing function, invalid JSON Schema", () => {
    const doc = documentWith([
      { kind: "python", name: "not valid", source: "def x(answer, memory):\n    return True" },
      { kind: "python", name: "empty", source: "  " },
      { kind: "python", name: "wrong", source: "def other(answer, memory):\n    return True" },
      { kind: "jsonSchema", name: "bad_schema", schema: { type: "strng" } },
      { kind: "jsonSchema", name: "wrong", schema: {} },
    ]);
    expect(canvasIssues(doc)).toEqual([
      [
        "invalid-name",
        "finalAnswerChecks.0.name",
        'Final-answer check not valid: "not valid" is not a Python identifier (letters, digits, _; not starting with a digit)',
      ],
      [
        "missing-field",
        "finalAnswerChecks.1.source",
        "Final-answer check empty: Write the check's Python function: def check(answer, memory) -> bool",
      ],
      [
        "python-function-missing",
        "finalAnswerChecks.2.source",
        'Final-answer check wrong: The source must define a function named "wrong" taking (answer, memory)',
      ],
      [
        "invalid-json-schema",
        "finalAnswerChecks.3.schema",
        "Final-answer check bad_schema: Invalid JSON Schema: Unsupported type: strng",
      ],
      [
        "duplicate-name",
        "finalAnswerChecks.4.name",
        'Final-answer check: Another check is already named "wrong"',
      ],
    ]);
    expect(compile(doc).ok).toBe(false);
  });

  it("also checks the agent's output schema", () => {
    expect(canvasIssues(documentWith([], { type: "obj" }))).toEqual([
      ["invalid-json-schema", "outputSchema", "Output schema: Invalid JSON Schema: Unsupported type: obj"],
    ]);
  });

  it("adds new checks with names that do not clash, each valid as it comes", () => {
    expect(freshCheckName([{ name: "check_answer" }, { name: "check_answer_2" }], "check_answer")).toBe(
      "check_answer_3",
    );
    const first = newCheck("python", []);
    const second = newCheck("python", [first]);
    const schema = newCheck("jsonSchema", [first, second]);
    expect([first.name, second.name, schema.name]).toEqual([
      "check_answer",
      "check_answer_2",
      "matches_schema",
    ]);
    expect(canvasIssues(documentWith([first, second, schema]))).toEqual([]);
  });
});
