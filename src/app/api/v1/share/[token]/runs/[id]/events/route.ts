import { handleApiCall } from "~/server/publish/api-call";
import { checkShareRun, sharedEndpoint, shareRunStream } from "~/server/publish/share";
import { resumeAfterSeq, sseResponse } from "~/server/publish/sse";

/**
 * GET /api/v1/share/{token}/runs/{id}/events — the answer to one message of a shared chat as
 * Server-Sent Events: `step` (a step's summary) and `answer` events with `id:` = the run event's
 * sequence number (`Last-Event-ID` or `?after=` resumes after it), then one `end` event with the
 * final status. Only runs this link started are served. Streams are not counted as calls in the
 * usage charts (the message that started the run is).
 */
export async function GET(request: Request, context: { params: Promise<{ token: string; id: string }> }) {
  const { token, id } = await context.params;
  return handleApiCall(request, { surface: "share" }, async (call) => {
    const endpoint = await sharedEndpoint(call.db, token);
    const afterSeq = resumeAfterSeq(request);
    await checkShareRun(call.db, endpoint.id, id);
    return sseResponse(
      async function* (signal) {
        for await (const item of shareRunStream(call.db, endpoint.id, id, { afterSeq, signal }))
          yield { id: item.id, event: item.event.type, data: item.event };
      },
      { signal: request.signal },
    );
  });
}
