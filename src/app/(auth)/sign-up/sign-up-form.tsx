"use client";

import { Loader2 } from "lucide-react";
import { useActionState } from "react";
import { Button } from "~/components/ui/button";
import { FieldError } from "~/components/ui/field-error";
import { type AuthFormState, signUpAction } from "~/server/auth/actions";
import { FormField } from "../form-field";

/** Account creation, with each field's problem shown beside it. */
export function SignUpForm() {
  const [state, action, pending] = useActionState<AuthFormState, FormData>(signUpAction, {});
  return (
    <form action={action} noValidate className="grid gap-4">
      <FieldError message={state.errors?.form} />
      <FormField
        label="Name"
        name="name"
        autoComplete="name"
        placeholder="Ada Lovelace"
        defaultValue={state.values?.name}
        error={state.errors?.name}
        autoFocus
      />
      <FormField
        label="E-mail"
        name="email"
        type="email"
        autoComplete="email"
        placeholder="you@company.com"
        defaultValue={state.values?.email}
        error={state.errors?.email}
      />
      <FormField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
        error={state.errors?.password}
      />
      <Button type="submit" size="lg" className="mt-1 w-full" disabled={pending}>
        {pending ? <Loader2 className="animate-spin" /> : null}
        Create account
      </Button>
    </form>
  );
}
