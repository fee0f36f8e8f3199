import { deleteRun, getRun, runPreflight } from "~/server/publish/rest-api";

/** A run started through the API: its result so far. */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  return getRun(request, (await context.params).id);
}

/** Cancel a run started through the API. */
export async function DELETE(request: Request, context: { params: Promise<{ id: string }> }) {
  return deleteRun(request, (await context.params).id);
}

/** CORS preflight: answered for the allowed origins of the run's endpoint only. */
export async function OPTIONS(request: Request, context: { params: Promise<{ id: string }> }) {
  return runPreflight(request, (await context.params).id);
}
