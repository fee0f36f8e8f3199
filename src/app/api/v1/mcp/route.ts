import { handleApiCall } from "~/server/publish/api-call";
import { authenticateApiKey } from "~/server/publish/api-keys";
import { mcpMethodNotAllowed, mcpPost } from "~/server/publish/mcp-server";

/** The MCP server over Streamable HTTP (stateless): every endpoint the API key may call is a tool. */
export function POST(request: Request): Promise<Response> {
  return handleApiCall(request, { surface: "mcp" }, mcpPost);
}

/** No sessions, so no server-to-client stream: 405 once the key is known to be valid. */
export function GET(request: Request): Promise<Response> {
  return handleApiCall(request, { surface: "mcp" }, async (call) => {
    await authenticateApiKey(call.db, request.headers.get("authorization"));
    return mcpMethodNotAllowed();
  });
}

export { GET as DELETE };
