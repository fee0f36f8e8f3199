/**
 * The HTTP API's errors. Every refusal is an `ApiError` with the status, a stable code, a message in
 * words and, for input errors, the field (`param`) it is about; rate limits carry `Retry-After`.
 * Troupe's own routes answer `{ error: { code, message, param } }`; the OpenAI-compatible routes
 * answer OpenAI's shape `{ error: { message, type, param, code } }`.
 */
import "server-only";
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503 | 504,
    readonly code: string,
    message: string,
    readonly options: { param?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** OpenAI's error `type` for each status. */
function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** The JSON response of an error, in Troupe's shape or OpenAI's. */
export function apiErrorResponse(
  error: ApiError,
  shape: "troupe" | "openai" = "troupe",
  headers: HeadersInit = {},
): Response {
  const { param, retryAfterSeconds } = error.options;
  const body =
    shape === "openai"
      ? {
          error: {
            message: error.message,
            type: openAiType(error.status),
            param: param ?? null,
            code: error.code,
          },
        }
      : { error: { code: error.code, message: error.message, ...(param ? { param } : {}) } };
  const all = new Headers(headers);
  if (retryAfterSeconds !== undefined)
    all.set("retry-after", String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return Response.json(body, { status: error.status, headers: all });
}
