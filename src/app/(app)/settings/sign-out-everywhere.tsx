"use client";

import { useMutation } from "@tanstack/react-query";
import { Loader2, LogOut } from "lucide-react";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";
import { signOutAction } from "~/server/auth/actions";
import { useTRPC } from "~/trpc/react";

/** Bumps the session version, which ends every session of this user, then leaves for the sign-in page. */
export function SignOutEverywhere() {
  const trpc = useTRPC();
  const mutation = useMutation(
    trpc.user.signOutEverywhere.mutationOptions({
      onSuccess: () => void signOutAction(),
      onError: (error) => toast.error(error.message),
    }),
  );
  return (
    <Button variant="secondary" disabled={mutation.isPending} onClick={() => mutation.mutate()}>
      {mutation.isPending ? <Loader2 className="animate-spin" /> : <LogOut />}
      Sign out everywhere
    </Button>
  );
}
