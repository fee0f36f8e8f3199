import { z } from "zod";

/**
 * The rules of final-answer checks (smolagents' `final_answer_checks`), shared by the agent spec,
 * canvas validation and the engine. A check is a Python function `def name(answer, memory) -> bool`
 * run in a sandbox (returning a false value or raising rejects the answer), or a JSON Schema the
 * answer must match. A rejected answer becomes the step's error and the run goes on.
 */

/** Most checks one agent may have. */
export const MAX_FINAL_ANSWER_CHECKS = 20;

/**
 * Names the Python sandbox of the checks defines itself (the memory view a check receives), so a
 * check may not take them.
 */
export const reservedCheckNames = ["AgentMemory", "MemoryStep"] as const;

/**
 * Why a JSON Schema cannot check answers, or undefined when it can. The engine validates with
 * zod's `fromJSONSchema`, so a schema is valid here exactly when the engine can build it.
 */
export function jsonSchemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    return "The JSON Schema must be an object";
  }
  try {
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return undefined;
  } catch (error) {
    return `Invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Why a Python check's source cannot be its function, or undefined (the name is checked apart). */
export function pythonCheckSourceProblem(name: string, source: string): string | undefined {
  if (source.trim() === "") return "Write the check's Python function: def check(answer, memory) -> bool";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  if (!new RegExp(`^def\\s+${name}\\s*\\(`, "m").test(source)) {
    return `The source must define a function named "${name}" taking (answer, memory)`;
  }
  return undefined;
}

/** One problem of a list of checks; `path` is inside the list (`[index, field]`). */
export interface CheckListProblem {
  path: [number, string];
  message: string;
}

/** Problems a list of checks has as a whole: names used twice, reserved names. */
export function checkListProblems(checks: readonly { name: string }[]): CheckListProblem[] {
  const problems: CheckListProblem[] = [];
  const seen = new Set<string>();
  checks.forEach((check, index) => {
    if ((reservedCheckNames as readonly string[]).includes(check.name)) {
      problems.push({
        path: [index, "name"],
        message: `"${check.name}" is reserved (the memory view checks receive); choose another name`,
      });
    } else if (check.name !== "" && seen.has(check.name)) {
      problems.push({ path: [index, "name"], message: `Another check is already named "${check.name}"` });
    }
    seen.add(check.name);
  });
  return problems;
}
