"use client";

import { Loader2 } from "lucide-react";
import { useActionState } from "react";
import { Button } from "~/components/ui/button";
import { FieldError } from "~/components/ui/field-error";
import { type AuthFormState, signInAction } from "~/server/auth/actions";
import { FormField } from "../form-field";

/** E-mail and password sign-in, with errors shown in place. */
export function SignInForm({ callbackUrl }: { callbackUrl?: string }) {
  const [state, action, pending] = useActionState<AuthFormState, FormData>(signInAction, {});
  return (
    <form action={action} noValidate className="grid gap-4">
      {callbackUrl ? <input type="hidden" name="callbackUrl" value={callbackUrl} /> : null}
      {state.errors?.form ? (
        <div className="rounded-md border border-red-200 bg-red-50 px-3 py-2.5">
          <FieldError message={state.errors.form} />
        </div>
      ) : null}
      <FormField
        label="E-mail"
        name="email"
        type="email"
        autoComplete="email"
        placeholder="you@company.com"
        defaultValue={state.values?.email}
        error={state.errors?.email}
        autoFocus
      />
      <FormField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        error={state.errors?.password}
      />
      <Button type="submit" size="lg" className="mt-1 w-full" disabled={pending}>
        {pending ? <Loader2 className="animate-spin" /> : null}
        Sign in
      </Button>
    </form>
  );
}
