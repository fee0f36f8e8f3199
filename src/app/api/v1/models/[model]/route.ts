import { handleApiCall } from "~/server/publish/api-call";
import { retrieveModel } from "~/server/publish/openai-compat";

/** OpenAI-compatible model lookup: one endpoint the API key may call, by slug. */
export async function GET(
  request: Request,
  context: { params: Promise<{ model: string }> },
): Promise<Response> {
  const { model } = await context.params;
  return handleApiCall(request, { surface: "openai", shape: "openai" }, (call) => retrieveModel(call, model));
}
