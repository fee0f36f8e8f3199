import { randomBytes } from "node:crypto";

/**
 * Internal errors (a Prisma or driver failure, a bug) reach clients only as a generic message with a
 * reference; the log line carrying the real error has the same reference. The reference belongs to
 * the error object, so the tRPC error formatter and the handler's onError agree on it.
 */
const references = new WeakMap<object, string>();

/** The reference of this error, made on first use. */
export function errorReference(error: object): string {
  let reference = references.get(error);
  if (!reference) {
    reference = randomBytes(8).toString("hex");
    references.set(error, reference);
  }
  return reference;
}

/** What a client is told instead of an internal error's text. */
export function internalErrorMessage(reference: string): string {
  return `Something went wrong on the server. If it keeps happening, report this reference: ${reference}.`;
}
