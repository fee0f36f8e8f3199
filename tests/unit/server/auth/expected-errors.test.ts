import { CredentialsSignin, JWTSessionError } from "@auth/core/errors";
import { decode, encode } from "@auth/core/jwt";
import { describe, expect, it } from "vitest";
import { authErrorType, isExpectedAuthError } from "~/server/auth/expected-errors";

const salt = "authjs.session-token";
const secret = "s".repeat(40);

/** The error Auth.js logs when reading a session cookie fails as `read` does. */
async function sessionError(read: () => Promise<unknown>): Promise<JWTSessionError> {
  try {
    await read();
  } catch (error) {
    // Auth.js wraps the thrown error itself (its constructor's types only admit a message).
    return new JWTSessionError(error as string);
  }
  throw new Error("expected the read to fail");
}

describe("isExpectedAuthError", () => {
  it("treats a wrong password and unreadable session cookies as answers", async () => {
    expect(isExpectedAuthError(new CredentialsSignin())).toBe(true);
    const forged = await sessionError(() => decode({ token: "forged", secret, salt }));
    expect(isExpectedAuthError(forged)).toBe(true);
    const foreign = await encode({ token: { sub: "u" }, secret: "x".repeat(40), salt });
    expect(isExpectedAuthError(await sessionError(() => decode({ token: foreign, secret, salt })))).toBe(
      true,
    );
    const expired = await encode({ token: { sub: "u" }, secret, salt, maxAge: -60 });
    expect(isExpectedAuthError(await sessionError(() => decode({ token: expired, secret, salt })))).toBe(
      true,
    );
  });

  it("tells them apart when a production build has minified the class names", async () => {
    const minified = <T extends Error>(error: T) => Object.defineProperty(error, "name", { value: "j" });
    expect(isExpectedAuthError(minified(new CredentialsSignin()))).toBe(true);
    expect(authErrorType(minified(new CredentialsSignin()))).toBe("CredentialsSignin");
    const forged = await sessionError(() => decode({ token: "forged", secret, salt }));
    expect(isExpectedAuthError(minified(forged))).toBe(true);
  });

  it("treats a failure while re-reading the session's user as a server fault", async () => {
    const databaseDown = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), {
      code: "P1001",
    });
    expect(isExpectedAuthError(await sessionError(() => Promise.reject(databaseDown)))).toBe(false);
    expect(isExpectedAuthError(new Error("anything else"))).toBe(false);
  });
});
