import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError } from "~/components/ui/field-error";
import { auth, signIn } from "~/server/auth";
import { enabledOAuthProviders } from "~/server/auth/config";
import { signUpRefusal } from "~/server/auth/sign-up-policy";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

const oauthErrors: Record<string, string> = {
  OAuthAccountNotLinked: "That e-mail already has a Troupe account. Sign in with your password instead.",
  SignUpClosed: `There is no Troupe account for that sign-in yet. ${signUpRefusal() ?? ""}`.trim(),
  AccessDenied: "Sign-in was cancelled or refused.",
  Configuration: "Sign-in is misconfigured on this server. Ask your administrator.",
};

/** The sign-in page: e-mail and password, plus any OAuth providers the server has switched on. */
export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string }>;
}) {
  if (await auth()) redirect("/workflows");
  const { callbackUrl, error } = await searchParams;
  const providerError =
    error && error !== "CredentialsSignin" ? (oauthErrors[error] ?? "Sign-in failed.") : undefined;
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Sign in to Troupe</CardTitle>
        <CardDescription>Welcome back. Enter your details to continue.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        <FieldError message={providerError} />
        {enabledOAuthProviders.length > 0 ? (
          <div className="grid gap-2">
            {enabledOAuthProviders.map((provider) => (
              <form
                key={provider.id}
                action={async () => {
                  "use server";
                  await signIn(provider.id, {
                    redirectTo: callbackUrl?.startsWith("/") ? callbackUrl : "/workflows",
                  });
                }}
              >
                <Button type="submit" variant="secondary" className="w-full">
                  Continue with {provider.name}
                </Button>
              </form>
            ))}
            <div className="my-1 flex items-center gap-3 text-xs text-muted-foreground">
              <span className="h-px flex-1 bg-border" /> or <span className="h-px flex-1 bg-border" />
            </div>
          </div>
        ) : null}
        <SignInForm callbackUrl={callbackUrl} />
      </CardContent>
      <CardFooter className="justify-center text-sm text-muted-foreground">
        New to Troupe?
        <Link href="/sign-up" className="font-medium text-primary underline-offset-4 hover:underline">
          Create an account
        </Link>
      </CardFooter>
    </Card>
  );
}
