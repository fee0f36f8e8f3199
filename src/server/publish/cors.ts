import "server-only";
import { ApiError, apiErrorResponse } from "./api-error";

/**
 * CORS for the HTTP API: off unless an endpoint lists allowed origins. A request whose `Origin` is one
 * of its endpoint's `allowedOrigins` gets that origin echoed back (never `*`, never
 * `Access-Control-Allow-Credentials`: the API authenticates with a bearer key, not cookies); any other
 * origin gets no CORS header at all, so browsers keep the answer from the page. Preflights are answered
 * for allowed origins only.
 */

/** What a browser page may send and read. */
const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
const ALLOWED_HEADERS = "authorization, content-type, last-event-id";
const EXPOSED_HEADERS = "retry-after, location, x-troupe-run-id";
/** How long a browser may cache a preflight answer (seconds). */
const PREFLIGHT_MAX_AGE = 600;

/** An `Origin` header value in its canonical form (`scheme://host[:port]`), or null for none / "null". */
export function normalizeOrigin(value: string | null): string | null {
  if (!value || value === "null") return null;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** The request's origin when it is one of `allowedOrigins`, else null. */
export function allowedOrigin(request: Request, allowedOrigins: readonly string[]): string | null {
  const origin = normalizeOrigin(request.headers.get("origin"));
  if (!origin) return null;
  return allowedOrigins.some((allowed) => normalizeOrigin(allowed) === origin) ? origin : null;
}

/**
 * `response` with the CORS headers for the request's origin when the endpoint allows it (and `Vary:
 * Origin` either way, so a shared cache keeps answers per origin).
 */
export function withCors(request: Request, response: Response, allowedOrigins: readonly string[]): Response {
  const origin = allowedOrigin(request, allowedOrigins);
  try {
    response.headers.append("vary", "Origin");
    if (origin) {
      response.headers.set("access-control-allow-origin", origin);
      response.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    }
    return response;
  } catch {
    // Immutable headers (a response passed through from elsewhere): copy it.
    const headers = new Headers(response.headers);
    headers.append("vary", "Origin");
    if (origin) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/**
 * The answer to a preflight (OPTIONS): 204 with the allowed methods and headers when the origin is one
 * the endpoint allows, else 403 without any CORS header.
 */
export function preflightResponse(request: Request, allowedOrigins: readonly string[]): Response {
  const origin = allowedOrigin(request, allowedOrigins);
  if (!origin) {
    return apiErrorResponse(
      new ApiError(403, "origin_not_allowed", "This origin may not call this endpoint from a browser."),
      "troupe",
      { vary: "Origin" },
    );
  }
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE),
      vary: "Origin",
    },
  });
}
