import type { WorkflowDocument } from "~/graph";
import type { PrismaClient } from "~/server/db";
import type { PublishedFixture } from "./api-harness";

/** A fetch against the harness with the key as a bearer token (JSON body when `json` is given). */
export function apiFetch(
  base: string,
  path: string,
  options: {
    key?: string | null;
    method?: string;
    json?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.json !== undefined) headers["content-type"] ??= "application/json";
  return fetch(`${base}${path}`, {
    method: options.method ?? (options.json !== undefined ? "POST" : "GET"),
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
    signal: options.signal,
  });
}

/** Publish one more workflow as `slug` in the fixture's team (version 1 of a new workflow). */
export async function publishAnother(
  db: PrismaClient,
  fixture: PublishedFixture,
  slug: string,
  document: WorkflowDocument,
  options: { allowedOrigins?: string[] } = {},
): Promise<{ endpointId: string; workflowId: string; versionId: string }> {
  const { publishEndpoint } = await import("~/server/publish/endpoints");
  const workflow = await db.workflow.create({
    data: { teamId: fixture.teamId, name: slug, graph: document as never, createdById: fixture.userId },
  });
  const version = await db.workflowVersion.create({
    data: { workflowId: workflow.id, number: 1, graph: document as never, createdById: fixture.userId },
  });
  const endpoint = await publishEndpoint(db, {
    teamId: fixture.teamId,
    slug,
    versionId: version.id,
    actorId: fixture.userId,
  });
  if (options.allowedOrigins) {
    await db.endpoint.update({
      where: { id: endpoint.id },
      data: { allowedOrigins: options.allowedOrigins },
    });
  }
  return { endpointId: endpoint.id, workflowId: workflow.id, versionId: version.id };
}

/** Poll a run until it has ended (or the deadline). */
export async function pollRun(
  base: string,
  key: string,
  runId: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await apiFetch(base, `/api/v1/runs/${runId}`, { key });
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new Error(`poll: ${response.status} ${JSON.stringify(body)}`);
    if (["succeeded", "failed", "cancelled", "timed_out"].includes(body.status as string)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${String(body.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
