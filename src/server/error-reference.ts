import "server-only";
import { randomBytes } from "node:crypto";

/**
 * Internal errors (a Prisma or driver failure, a bug) reach clients only as a generic message with a
 * reference; the log line carrying the real error has the same reference. In tRPC the reference
 * belongs to the error object, so the error formatter and the handler's onError agree on it; a run
 * whose events the database refuses gets one too (src/server/runs/process-run.ts).
 */
const references = new WeakMap<object, string>();

/** A fresh reference, for a failure logged once (a run's, say). */
export function newErrorReference(): string {
  return randomBytes(8).toString("hex");
}

/** The reference of this error, made on first use. */
export function errorReference(error: object): string {
  let reference = references.get(error);
  if (!reference) {
    reference = newErrorReference();
    references.set(error, reference);
  }
  return reference;
}

/** What a client is told instead of an internal error's text. */
export function internalErrorMessage(reference: string): string {
  return `Something went wrong on the server. If it keeps happening, report this reference: ${reference}.`;
}
