/**
 * Records keyed by user data (model ids, agent names and paths) without a prototype: a key such as
 * `__proto__`, `constructor` or `toString` is an ordinary entry, never Object.prototype's member.
 * Pure, no imports: the engine, the server and the browser share it.
 */

/** A prototype-free copy of `entries` (own enumerable keys; a JSON-parsed `__proto__` key included). */
export function dictionary<T>(entries: Readonly<Record<string, T>> = {}): Record<string, T> {
  const result = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(entries)) {
    Object.defineProperty(result, key, {
      value: entries[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}
