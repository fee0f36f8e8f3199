import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeInputIssues, errorMessageOf, fieldErrorsOf, fieldLabel } from "~/lib/input-errors";

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a refusal");
  return parsed.error.issues;
};

const price = z.object({
  model: z.string().trim().min(1, "Name the model.").max(200),
  inputUsdPerMillion: z.number().min(0).max(100_000),
  outputUsdPerMillion: z.number().min(0).max(100_000),
});

describe("input errors in words", () => {
  it("words a negative and a non-numeric price per field, never zod's JSON or its default texts", () => {
    const errors = describeInputIssues(
      issuesOf(price, { model: "gpt-x", inputUsdPerMillion: -1, outputUsdPerMillion: Number.NaN }),
    );
    expect(errors.fields).toEqual({
      inputUsdPerMillion: "Must be at least 0.",
      outputUsdPerMillion: "Must be a number.",
    });
    expect(errors.message).toBe(
      "Input USD per million: must be at least 0. Output USD per million: must be a number.",
    );
    expect(errors.message).not.toMatch(/[{}[\]]|Too small|Invalid input|expected/);
  });

  it("keeps a schema's own message and words sizes, missing fields, choices and unknown keys", () => {
    const schema = z
      .object({
        name: z.string().min(1, "Give the workflow a name.").max(5),
        task: z.string().min(1),
        kind: z.enum(["tool", "agent"]),
        steps: z.number().int().positive(),
        tags: z.array(z.string()).max(1),
        nested: z.object({ url: z.url() }),
      })
      .strict();
    const errors = describeInputIssues(
      issuesOf(schema, {
        name: "",
        task: "",
        kind: "other",
        steps: 1.5,
        tags: ["a", "b"],
        nested: { url: "nope" },
        extra: 1,
      }),
    );
    expect(errors.fields).toEqual({
      name: "Give the workflow a name.",
      task: "Must not be empty.",
      kind: "Must be one of tool, agent.",
      steps: "Must be a whole number.",
      tags: "Must have at most 1 items.",
      "nested.url": "Must be a web address.",
      "": "Has fields it does not take: extra.",
    });
    expect(errors.message).toContain("Give the workflow a name.");
    expect(errors.message).toContain("Task: must not be empty.");
    expect(describeInputIssues(issuesOf(schema, {})).fields.name).toBe("Is required.");
    expect(describeInputIssues(issuesOf(z.string().max(3), "long")).message).toBe(
      "Must be at most 3 characters.",
    );
  });

  it("names fields in words", () => {
    expect(fieldLabel(["inputUsdPerMillion"])).toBe("Input USD per million");
    expect(fieldLabel(["nodes", 3, "allowed_host"])).toBe("Allowed host");
    expect(fieldLabel([])).toBe("The input");
  });

  it("reads field messages and the message back from a tRPC error's data", () => {
    const error = Object.assign(new Error("ignored"), {
      data: { inputErrors: { message: "Name: must not be empty.", fields: { name: "Must not be empty." } } },
    });
    expect(fieldErrorsOf(error)).toEqual({ name: "Must not be empty." });
    expect(errorMessageOf(error)).toBe("Name: must not be empty.");
    const plain = Object.assign(new Error("Workflow not found."), { data: { inputErrors: null } });
    expect(fieldErrorsOf(plain)).toEqual({});
    expect(errorMessageOf(plain)).toBe("Workflow not found.");
    expect(errorMessageOf("weird")).toBe("Something went wrong.");
  });
});
