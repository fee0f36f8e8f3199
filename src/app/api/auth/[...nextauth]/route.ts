import type { NextRequest } from "next/server";
import { handlers } from "~/server/auth";
import { signInRefusals, tooManyAttemptsMessage } from "~/server/auth/rate-limits";

export const { GET } = handlers;

/**
 * Auth.js's POST endpoints. A credentials sign-in refused by the rate limits is answered 429 with
 * Retry-After (Auth.js itself would redirect to the sign-in page as for a wrong password).
 */
export async function POST(request: NextRequest): Promise<Response> {
  const refusal: { retryAfterSeconds?: number } = {};
  const response = await signInRefusals.run(refusal, () => handlers.POST(request));
  if (refusal.retryAfterSeconds === undefined) return response;
  return Response.json(
    { error: "TooManyAttempts", message: tooManyAttemptsMessage("sign-in", refusal.retryAfterSeconds) },
    { status: 429, headers: { "Retry-After": String(refusal.retryAfterSeconds) } },
  );
}
