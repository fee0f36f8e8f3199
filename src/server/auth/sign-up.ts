import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { text } from "~/graph";
import { db, isUniqueViolation } from "~/server/db";
import { onboardNewTeam } from "./onboarding";
import { hashPassword } from "./password";
import { signUpRefusal } from "./sign-up-policy";

/** What the sign-up form sends; the same schema validates the server action and the tests. */
export const signUpInputSchema = z.object({
  name: text().trim().min(1, "Enter your name.").max(100, "Your name must be at most 100 characters."),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, "That e-mail address is too long.")
    .pipe(z.email("Enter a valid e-mail address.")),
  password: z
    .string()
    .min(8, "Use at least 8 characters for your password.")
    .max(200, "Your password must be at most 200 characters."),
});

export type SignUpInput = z.input<typeof signUpInputSchema>;

/** A field-level problem the form shows next to the field. */
export type FieldIssue = { field: "name" | "email" | "password" | "form"; message: string };

export type SignUpResult = { ok: true; userId: string; teamId: string } | { ok: false; issues: FieldIssue[] };

/** A readable, unique team slug derived from a name. */
export function teamSlug(name: string): string {
  const base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${base || "team"}-${randomBytes(4).toString("hex")}`;
}

/** The personal team made for every new user. */
export function personalTeamName(name: string): string {
  return `${name}'s team`;
}

/**
 * Create a user with a password and their personal team (role owner), onboarded (the demo workflow:
 * src/server/auth/onboarding.ts) in the same transaction, when the server's SIGNUP mode lets this
 * person sign up.
 * Returns field issues instead of throwing for bad input, a taken e-mail or sign-up being closed.
 */
export async function signUp(
  input: SignUpInput,
  client = db,
  options: { invitationAccepted?: boolean } = {},
): Promise<SignUpResult> {
  const refusal = signUpRefusal(options);
  if (refusal) return { ok: false, issues: [{ field: "form", message: refusal }] };
  const parsed = signUpInputSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        field: (issue.path[0] as FieldIssue["field"] | undefined) ?? "form",
        message: issue.message,
      })),
    };
  }
  const { name, email, password } = parsed.data;
  const taken: FieldIssue = { field: "email", message: "An account with this e-mail already exists." };
  if (await client.user.findUnique({ where: { email }, select: { id: true } })) {
    return { ok: false, issues: [taken] };
  }
  const passwordHash = await hashPassword(password);
  try {
    const user = await client.$transaction(async (tx) => {
      const created = await tx.user.create({ data: { name, email, passwordHash } });
      const team = await tx.team.create({
        data: {
          name: personalTeamName(name),
          slug: teamSlug(name),
          personal: true,
          memberships: { create: { userId: created.id, role: "owner" } },
        },
      });
      await onboardNewTeam(tx, { teamId: team.id, userId: created.id });
      return { userId: created.id, teamId: team.id };
    });
    return { ok: true, ...user };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, issues: [taken] };
    throw error;
  }
}
