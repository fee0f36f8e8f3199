import { handleApiCall, readJsonBody } from "~/server/publish/api-call";
import { takeShareCall } from "~/server/publish/api-limits";
import { sharedEndpoint, shareMessageSchema, startShareRun } from "~/server/publish/share";

/** A message is small: the task (at most 20,000 characters) and the previous run's id. */
const MAX_BODY_BYTES = 128 * 1024;

/**
 * POST /api/v1/share/{token}/runs — send a message to a shared agent (no key: the link is the
 * permission). 404 when the link is unknown, off, or its endpoint unpublished; 429 with Retry-After
 * past the link's messages per minute per address. Answers 202 with the run id and where to stream
 * its answer; the next message sends that id as `previous_run_id` to continue the conversation.
 */
export async function POST(request: Request, context: { params: Promise<{ token: string }> }) {
  const { token } = await context.params;
  return handleApiCall(request, { surface: "share" }, async (call) => {
    const endpoint = await sharedEndpoint(call.db, token);
    call.accounting.teamId = endpoint.teamId;
    call.accounting.endpointId = endpoint.id;
    await takeShareCall(endpoint, call.clientAddress);
    const message = await readJsonBody(request, shareMessageSchema, MAX_BODY_BYTES);
    const { runId } = await startShareRun(call.db, endpoint, message);
    call.accounting.runId = runId;
    return Response.json(
      {
        run_id: runId,
        events_url: `/api/v1/share/${encodeURIComponent(token)}/runs/${encodeURIComponent(runId)}/events`,
      },
      { status: 202, headers: { "cache-control": "no-store" } },
    );
  });
}
