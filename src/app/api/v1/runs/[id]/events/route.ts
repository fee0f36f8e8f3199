import { getRunEvents, runPreflight } from "~/server/publish/rest-api";

/** A run's events after a cursor: a JSON page, or Server-Sent Events with Accept: text/event-stream. */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  return getRunEvents(request, (await context.params).id);
}

/** CORS preflight: answered for the allowed origins of the run's endpoint only. */
export async function OPTIONS(request: Request, context: { params: Promise<{ id: string }> }) {
  return runPreflight(request, (await context.params).id);
}
