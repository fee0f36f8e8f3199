import { env } from "~/env";
import { openApiDocument } from "~/server/publish/openapi";

/**
 * The OpenAPI 3.1 document of the HTTP API: public (no key), readable from any origin (it holds no
 * data). The OpenAI-compatible and MCP routes join it through `openApiDocument`'s `extraPaths`.
 */
export function GET(): Response {
  return Response.json(openApiDocument({ serverUrl: env.APP_URL?.replace(/\/+$/, "") }), {
    headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" },
  });
}
