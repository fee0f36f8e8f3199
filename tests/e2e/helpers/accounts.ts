import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";

/** A fresh, unique account for one test. */
export function newAccount(name = "Ada Lovelace") {
  return {
    name,
    email: `ada-${randomBytes(5).toString("hex")}@example.com`,
    password: "correct horse battery",
  };
}

/**
 * Sign up through the form and land on the workflows page, within `timeout` ms (the expect default
 * unless given: the first sign-up after the server starts can be slow on a busy machine).
 */
export async function signUp(
  page: Page,
  account: ReturnType<typeof newAccount>,
  { timeout }: { timeout?: number } = {},
): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(account.name);
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/workflows$/, { timeout });
}

/** Sign in through the form with the given password. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Sign out through the user menu. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}
