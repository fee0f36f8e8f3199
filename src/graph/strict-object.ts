import { z } from "zod";

/** camelCase of a snake_case or kebab-case key: `max_steps` → `maxSteps`. */
function camelCase(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_match, next: string) => next.toUpperCase());
}

/** Edit distance between two short strings (keys), for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key an unknown one most likely meant: the same key in camelCase (smolagents writes
 * `max_steps` where this schema has `maxSteps`), the same letters in another case, or a key within
 * two edits of it.
 */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
  const camel = camelCase(unknown);
  const folded = (key: string) => key.toLowerCase().replace(/[_-]/g, "");
  const exact = known.find((key) => key === camel || folded(key) === folded(unknown));
  if (exact) return exact;
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const score = distance(camel.toLowerCase(), key.toLowerCase());
    if (score <= 2 && (!best || score < best.score)) best = { key, score };
  }
  return best?.key;
}

/** The message for keys a strict object does not know, naming the key each one probably meant. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const meant = closestKey(key, known);
      return meant ? `Unknown key '${key}' (did you mean '${meant}'?)` : `Unknown key '${key}'`;
    })
    .join("; ");
}

/**
 * An object schema that refuses keys it does not declare, saying which key was probably meant: a
 * file or API input with a misspelt key must not run with a default in its place.
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? unknownKeysMessage(issue.keys, known) : undefined,
  });
}
