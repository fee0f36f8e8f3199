import { handleApiCall } from "~/server/publish/api-call";
import { ApiError } from "~/server/publish/api-error";
import { sharedEndpoint, shareRunStream } from "~/server/publish/share";
import { type SseMessage, sseResponse } from "~/server/publish/share-sse";

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
    const resume = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("after");
    const afterSeq = resume === null || resume === "" ? -1 : Number(resume);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < -1) {
      throw new ApiError(400, "invalid_request", "Resume after a whole event number.", { param: "after" });
    }
    const stream = await shareRunStream(call.db, endpoint.id, id, { afterSeq, signal: request.signal });
    async function* messages(): AsyncGenerator<SseMessage> {
      for await (const item of stream) yield { id: item.id, event: item.event.type, data: item.event };
    }
    return sseResponse(messages(), { signal: request.signal });
  });
}
