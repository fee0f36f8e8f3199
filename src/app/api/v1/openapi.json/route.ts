import { env } from "~/env";
import { openApiDocument } from "~/server/publish/openapi";

/** Built per request: the document names this installation's address (APP_URL at run time). */
export const dynamic = "force-dynamic";

/**
 * The OpenAPI 3.1 document of the HTTP API: public (no key), readable from any origin (it holds no
 * data), the OpenAI-compatible and MCP routes included.
 */
export function GET(): Response {
  return Response.json(openApiDocument({ serverUrl: env.APP_URL?.replace(/\/+$/, "") }), {
    headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" },
  });
}
