"use server";

import "server-only";
import { headers } from "next/headers";
import { AuthError } from "next-auth";
import { CLIENT_ADDRESS_HEADER } from "~/server/client-address";
import { SignInRateLimited } from "./config";
import { signIn, signOut } from "./index";
import { consumeSignUp, tooManyAttemptsMessage } from "./rate-limits";
import { type FieldIssue, signUp, signUpInputSchema } from "./sign-up";
import { signUpRefusal } from "./sign-up-policy";

/** What the sign-in and sign-up forms show after a failed attempt. */
export type AuthFormState = {
  errors?: Partial<Record<FieldIssue["field"], string>>;
  values?: { name?: string; email?: string };
};

/** Only same-site paths are allowed as a post-sign-in destination. */
function safeRedirect(value: FormDataEntryValue | null): string {
  const path = typeof value === "string" ? value : "";
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/workflows";
}

/**
 * Sign in with e-mail and password; a wrong pair yields one message that does not say which part
 * failed, too many attempts a message saying when to try again (counted in authorizeCredentials).
 */
export async function signInAction(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const email = String(formData.get("email") ?? "").trim();
  const password = String(formData.get("password") ?? "");
  const values = { email };
  if (!email) return { errors: { email: "Enter your e-mail address." }, values };
  if (!password) return { errors: { password: "Enter your password." }, values };
  try {
    await signIn("credentials", { email, password, redirectTo: safeRedirect(formData.get("callbackUrl")) });
  } catch (error) {
    if (error instanceof SignInRateLimited) {
      return { errors: { form: tooManyAttemptsMessage("sign-in", error.retryAfterSeconds) }, values };
    }
    if (error instanceof AuthError) return { errors: { form: "Wrong e-mail or password." }, values };
    throw error;
  }
  return {};
}

/**
 * Create an account and its personal team, then sign in: when SIGNUP lets people sign up, and
 * within the sign-up rate limits (an attempt whose fields are valid counts, per client address and
 * per e-mail).
 */
export async function signUpAction(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const input = {
    name: String(formData.get("name") ?? ""),
    email: String(formData.get("email") ?? ""),
    password: String(formData.get("password") ?? ""),
  };
  const values = { name: input.name, email: input.email };
  const refusal = signUpRefusal();
  if (refusal) return { errors: { form: refusal }, values };
  const parsed = signUpInputSchema.safeParse(input);
  if (parsed.success) {
    const address = (await headers()).get(CLIENT_ADDRESS_HEADER) ?? "unknown";
    const limit = await consumeSignUp(address, parsed.data.email);
    if (!limit.ok)
      return { errors: { form: tooManyAttemptsMessage("sign-up", limit.retryAfterSeconds) }, values };
  }
  const result = await signUp(input);
  if (!result.ok) {
    const errors: AuthFormState["errors"] = {};
    for (const issue of result.issues) errors[issue.field] ??= issue.message;
    return { errors, values };
  }
  try {
    await signIn("credentials", {
      email: input.email.trim(),
      password: input.password,
      redirectTo: "/workflows",
    });
  } catch (error) {
    // The account exists; only the sign-in that follows was held back by the sign-in limits.
    if (!(error instanceof SignInRateLimited)) throw error;
    const wait = tooManyAttemptsMessage("sign-in", error.retryAfterSeconds);
    return { errors: { form: `Your account was created. ${wait}` }, values };
  }
  return {};
}

/** End this browser's session. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
