"use server";

import { AuthError } from "next-auth";
import { signIn, signOut } from "./index";
import { type FieldIssue, signUp } from "./sign-up";

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

/** Sign in with e-mail and password; a wrong pair yields one message that does not say which part failed. */
export async function signInAction(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const email = String(formData.get("email") ?? "").trim();
  const password = String(formData.get("password") ?? "");
  const values = { email };
  if (!email) return { errors: { email: "Enter your e-mail address." }, values };
  if (!password) return { errors: { password: "Enter your password." }, values };
  try {
    await signIn("credentials", { email, password, redirectTo: safeRedirect(formData.get("callbackUrl")) });
  } catch (error) {
    if (error instanceof AuthError) return { errors: { form: "Wrong e-mail or password." }, values };
    throw error;
  }
  return {};
}

/** Create an account and its personal team, then sign in. */
export async function signUpAction(_previous: AuthFormState, formData: FormData): Promise<AuthFormState> {
  const input = {
    name: String(formData.get("name") ?? ""),
    email: String(formData.get("email") ?? ""),
    password: String(formData.get("password") ?? ""),
  };
  const values = { name: input.name, email: input.email };
  const result = await signUp(input);
  if (!result.ok) {
    const errors: AuthFormState["errors"] = {};
    for (const issue of result.issues) errors[issue.field] ??= issue.message;
    return { errors, values };
  }
  await signIn("credentials", {
    email: input.email.trim(),
    password: input.password,
    redirectTo: "/workflows",
  });
  return {};
}

/** End this browser's session. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
