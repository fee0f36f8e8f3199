/**
 * Auth.js reports a wrong password and an unreadable session cookie as errors; they are answers to
 * the caller, not server faults. A session error caused by anything else (the database failing while
 * the session's user is re-read) is a fault and must be logged as one: Auth.js answers it with "no
 * session" either way.
 */
import "server-only";
export function isExpectedAuthError(error: Error): boolean {
  const type = authErrorType(error);
  if (type === "CredentialsSignin") return true;
  if (type !== "JWTSessionError") return false;
  return isCookieDecodeFailure((error.cause as { err?: unknown } | undefined)?.err);
}

/** A forged, expired or foreign-secret session cookie (jose's ERR_JW* codes, or Auth.js's own messages). */
function isCookieDecodeFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_JW")) return true;
  return err.message === "Invalid JWT" || err.message === "no matching decryption secret";
}

/**
 * An Auth.js error's kind ("CredentialsSignin", "JWTSessionError", ...): its `type`, since `name` is
 * the class name, which a production build minifies. Other errors give their name.
 */
export function authErrorType(error: Error): string {
  const type = (error as { type?: unknown }).type;
  return typeof type === "string" ? type : error.name;
}
