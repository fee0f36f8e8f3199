import { z } from "zod";

/**
 * Text that goes to Postgres. Postgres refuses a NUL character in `text` columns and `\u0000` in
 * `jsonb` (SQLSTATE 22021 / 22P05), so a pasted NUL would fail every later save of that text. Every
 * text a user sends is stored with its NULs replaced by U+FFFD, the replacement character.
 */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/** `value` with every NUL character replaced by U+FFFD. */
export function replaceNul(value: string): string {
  return value.includes("\0") ? value.replaceAll("\0", REPLACEMENT_CHARACTER) : value;
}

/**
 * The one string schema for user text: NULs become U+FFFD before any other check, so
 * `text().trim().min(1).max(100)` chains like `z.string()`.
 */
export const text = () => z.string().overwrite(replaceNul);

/**
 * A JSON value (a graph, a tool) with NULs replaced in every string, keys included. Returns the
 * value itself when it has none; objects come back with the same shape.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === "string") return replaceNul(value) as T;
  if (Array.isArray(value)) return value.map((item) => withoutNul(item)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(result, replaceNul(key), {
        value: withoutNul(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result as T;
  }
  return value;
}

/** A JSON input whose strings are made storable (see `withoutNul`); checked by its own schema later. */
export const storableJson = () => z.unknown().transform((value) => withoutNul(value));
