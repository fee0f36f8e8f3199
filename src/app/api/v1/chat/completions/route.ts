import { handleApiCall } from "~/server/publish/api-call";
import { chatCompletions } from "~/server/publish/openai-compat";

/** OpenAI-compatible chat completions: `model` is an endpoint's slug (see openai-compat.ts). */
export function POST(request: Request): Promise<Response> {
  return handleApiCall(request, { surface: "openai", shape: "openai" }, chatCompletions);
}
