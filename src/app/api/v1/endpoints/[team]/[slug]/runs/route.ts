import { createRun, endpointPreflight } from "~/server/publish/rest-api";

/** Run a published endpoint: synchronous by default, `"stream": true` for SSE, `"async": true` for a run id. */
export async function POST(request: Request, context: { params: Promise<{ team: string; slug: string }> }) {
  return createRun(request, await context.params);
}

/** CORS preflight: answered for the endpoint's allowed origins only. */
export async function OPTIONS(
  request: Request,
  context: { params: Promise<{ team: string; slug: string }> },
) {
  return endpointPreflight(request, await context.params);
}
