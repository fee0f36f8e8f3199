import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { auth } from "~/server/auth";
import { signUpRefusal } from "~/server/auth/sign-up-policy";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account" };

/** The sign-up page; a new account comes with a personal team. Says so when SIGNUP does not let people sign up. */
export default async function SignUpPage() {
  if (await auth()) redirect("/workflows");
  const refusal = signUpRefusal();
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Create your account</CardTitle>
        <CardDescription>You get a personal team to build your first agents in.</CardDescription>
      </CardHeader>
      <CardContent>
        {refusal ? (
          <p
            role="status"
            data-testid="sign-up-closed"
            className="rounded-md border bg-muted px-3 py-2.5 text-sm"
          >
            {refusal}
          </p>
        ) : (
          <SignUpForm />
        )}
      </CardContent>
      <CardFooter className="justify-center text-sm text-muted-foreground">
        Already have an account?
        <Link href="/sign-in" className="font-medium text-primary underline-offset-4 hover:underline">
          Sign in
        </Link>
      </CardFooter>
    </Card>
  );
}
