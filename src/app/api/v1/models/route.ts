import { handleApiCall } from "~/server/publish/api-call";
import { listModels } from "~/server/publish/openai-compat";

/** OpenAI-compatible model list: the published endpoints the API key may call. */
export function GET(request: Request): Promise<Response> {
  return handleApiCall(request, { surface: "openai", shape: "openai" }, listModels);
}
