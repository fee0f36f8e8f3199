"use client";

import { Loader2 } from "lucide-react";
import { useActionState } from "react";
import { Button } from "~/components/ui/button";
import { FieldError } from "~/components/ui/field-error";
import type { AuthFormState } from "~/server/auth/actions";
import { FormField } from "../../form-field";
import { acceptInvitationAction, invitationSignUpAction } from "./actions";

/** One button: join the team as the signed-in user. */
export function AcceptInvitationForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<AuthFormState>(
    acceptInvitationAction.bind(null, token),
    {},
  );
  return (
    <form action={action} className="grid gap-4">
      <FieldError message={state.errors?.form} />
      <Button type="submit" size="lg" className="w-full" disabled={pending}>
        {pending ? <Loader2 className="animate-spin" /> : null}
        Accept invitation
      </Button>
    </form>
  );
}

/** Create an account for the invited address and join the team. */
export function InvitationSignUpForm({ token, email }: { token: string; email: string }) {
  const [state, action, pending] = useActionState<AuthFormState, FormData>(
    invitationSignUpAction.bind(null, token),
    {},
  );
  return (
    <form action={action} noValidate className="grid gap-4">
      <FieldError message={state.errors?.form} />
      <FormField label="E-mail" name="email" type="email" value={email} readOnly disabled />
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
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
        error={state.errors?.password}
      />
      <Button type="submit" size="lg" className="mt-1 w-full" disabled={pending}>
        {pending ? <Loader2 className="animate-spin" /> : null}
        Create account and join
      </Button>
    </form>
  );
}
