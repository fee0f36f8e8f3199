/**
 * Input errors in words: the one formatter between a zod refusal on the server and the field messages a
 * form shows. The tRPC error formatter (src/server/api/trpc.ts) turns a procedure's zod issues into
 * `InputErrors` (a sentence, and a message per field path) and sends them as `data.inputErrors`; forms
 * read them back with `fieldErrorsOf` and `errorMessageOf`. Zod's own default texts ("Too small: expected
 * number to be >=0") never reach a screen; a message a schema wrote itself ("Give the workflow a name.")
 * is kept as written. Browser-safe.
 */

/** The parts of a zod issue this formatter reads (zod 4's issue objects fit it). */
export type InputIssue = {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  origin?: string;
  expected?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: readonly unknown[];
  keys?: readonly string[];
  format?: string;
};

/** What a refused input gets back: one sentence for a toast, and a message per field (dotted path). */
export type InputErrors = { message: string; fields: Record<string, string> };

/** Zod's default English messages start so; a schema's own message is kept as it was written. */
const zodDefaultMessage = /^(Invalid\b|Too (small|big)\b|Unrecognized key)/;

const acronyms = new Set(["usd", "url", "id", "api", "json", "mcp", "http", "https", "sse"]);

/** A field path in words: `inputUsdPerMillion` → "Input USD per million", `nodes.3.name` → "Name". */
export function fieldLabel(path: readonly PropertyKey[]): string {
  const last = [...path].reverse().find((part) => typeof part === "string");
  if (typeof last !== "string" || last === "") return "The input";
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase()
    .split(" ")
    .filter(Boolean)
    .map((word) => (acronyms.has(word) ? word.toUpperCase() : word));
  const sentence = words.join(" ");
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const amount = (value: number | bigint | undefined) =>
  typeof value === "bigint" ? value.toString() : (value ?? 0).toLocaleString("en-US");

function sizeWords(issue: InputIssue, bound: "min" | "max"): string {
  const limit = bound === "min" ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "string") {
    if (bound === "min" && Number(limit) === 1) return "must not be empty";
    return `must be ${bound === "min" ? "at least" : "at most"} ${amount(limit)} characters`;
  }
  if (issue.origin === "array" || issue.origin === "set") {
    return `must have ${bound === "min" ? "at least" : "at most"} ${amount(limit)} items`;
  }
  if (issue.origin === "date") return bound === "min" ? "is too early" : "is too late";
  if (bound === "min")
    return inclusive ? `must be at least ${amount(limit)}` : `must be more than ${amount(limit)}`;
  return inclusive ? `must be at most ${amount(limit)}` : `must be less than ${amount(limit)}`;
}

const typeWords: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "yes or no",
  array: "a list",
  object: "a set of fields",
  date: "a date",
};

/** The words for one issue, without the field's name ("must be at least 0"). */
function issueWords(issue: InputIssue): string {
  if (!zodDefaultMessage.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "too_small":
      return sizeWords(issue, "min");
    case "too_big":
      return sizeWords(issue, "max");
    case "invalid_type":
      if (issue.message.endsWith("received undefined")) return "is required";
      return `must be ${typeWords[issue.expected ?? ""] ?? "of another kind"}`;
    case "invalid_value":
    case "invalid_union":
      return issue.values?.length
        ? `must be one of ${issue.values.map((value) => String(value)).join(", ")}`
        : "is not one of the choices";
    case "invalid_format":
      return issue.format === "url" ? "must be a web address" : `must be a valid ${issue.format ?? "value"}`;
    case "not_multiple_of":
      return "is not a multiple of the step it allows";
    case "unrecognized_keys":
      return `has fields it does not take: ${(issue.keys ?? []).join(", ")}`;
    default:
      return "is not valid";
  }
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** One field's message: the schema's own sentence, or "Must be at least 0." */
function fieldMessage(issue: InputIssue): string {
  return sentence(issueWords(issue));
}

/**
 * Zod issues in words: `fields` maps each field's dotted path to its first message; `message` names the
 * fields ("Input USD per million: must be at least 0.") for places with no field to put them under.
 */
export function describeInputIssues(issues: readonly InputIssue[]): InputErrors {
  const fields: Record<string, string> = {};
  const parts: string[] = [];
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    if (key in fields) continue;
    fields[key] = fieldMessage(issue);
    const words = issueWords(issue);
    const own = !zodDefaultMessage.test(issue.message);
    parts.push(own || key === "" ? sentence(words) : `${fieldLabel(issue.path)}: ${words}.`);
  }
  return { message: parts.join(" ") || "The input is not valid.", fields };
}

/** The `inputErrors` a tRPC error carries (from the server's formatter), if it is an input error. */
function inputErrorsOf(error: unknown): InputErrors | undefined {
  if (error === null || typeof error !== "object" || !("data" in error)) return undefined;
  const data = (error as { data?: { inputErrors?: unknown } | null }).data;
  const inputErrors = data?.inputErrors;
  if (inputErrors === null || typeof inputErrors !== "object") return undefined;
  return inputErrors as InputErrors;
}

/** A form's field messages from a tRPC error: dotted path → message; empty for other errors. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  return inputErrorsOf(error)?.fields ?? {};
}

/** What to show of a failed call: the input errors in words, or the error's own message. */
export function errorMessageOf(error: unknown, fallback = "Something went wrong."): string {
  const input = inputErrorsOf(error);
  if (input) return input.message;
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}
