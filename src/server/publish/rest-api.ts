import "server-only";
import { env } from "~/env";
import { isTerminal } from "~/lib/run-status";
import { db as database, type PrismaClient } from "~/server/db";
import { followRun, waitForRunEnd } from "~/server/realtime/run-feed";
import { cancelRun } from "~/server/runs/cancel-run";
import { RUN_INPUT_LIMITS } from "~/server/runs/run-input";
import { listEventsAfter } from "~/server/runs/run-store";
import { type ApiCall, handleApiCall, readJsonBody } from "./api-call";
import { ApiError } from "./api-error";
import { type ApiCaller, authenticateApiKey } from "./api-keys";
import { checkMonthlyCostCap, takeKeyCall } from "./api-limits";
import { preflightResponse, withCors } from "./cors";
import { endpointForCaller, runForCaller, runResult, startEndpointRun } from "./endpoint-runs";
import {
  type CancelRunResponse,
  createRunRequestSchema,
  type RunAccepted,
  type RunEventsPage,
  runEventsQuerySchema,
} from "./rest-schemas";
import { parseLastEventId, runEventsSseResponse } from "./sse";

/**
 * The REST API (`/api/v1/endpoints/{team}/{slug}/runs`, `/api/v1/runs/{id}[/events]`): what the route
 * handlers under src/app/api/v1 call. Every call goes through `handleApiCall` (errors as JSON, the call
 * recorded for the usage charts), authenticates its key, takes one call from the key's rate limit and,
 * before starting a run, checks the key's monthly cost cap. CORS headers follow the endpoint's allowed
 * origins (for a run: the endpoint it was started through).
 *
 * Statuses: a synchronous call answers 200 with the run's result once the run has ended, whatever
 * its end (`status` is succeeded, failed, cancelled or timed_out, `error` says why): the HTTP status is
 * about the call, and a 5xx would invite clients to retry and start the run again. A run still going
 * when the wait (API_SYNC_WAIT_SECONDS) is over, or any `async` call, is 202 with the run id and URLs.
 */

/** The default number of events in a JSON page of `GET /api/v1/runs/{id}/events`. */
const DEFAULT_EVENTS_PAGE = 100;

/** Where a run is read and where its events are. */
function runUrls(runId: string): RunAccepted["urls"] {
  const run = `/api/v1/runs/${encodeURIComponent(runId)}`;
  return { run, events: `${run}/events` };
}

function runHeaders(runId: string): Record<string, string> {
  return { "x-troupe-run-id": runId, location: runUrls(runId).run };
}

/** Allowed origins of the endpoint `{team}/{slug}` (none when it does not exist). */
async function endpointOrigins(db: PrismaClient, teamSlug: string, slug: string): Promise<string[]> {
  const endpoint = await db.endpoint.findFirst({
    where: { slug, team: { slug: teamSlug } },
    select: { allowedOrigins: true },
  });
  return endpoint?.allowedOrigins ?? [];
}

/** Allowed origins of the endpoint a run was started through (none for other runs). */
async function runOrigins(db: PrismaClient, runId: string): Promise<string[]> {
  const run = await db.run.findUnique({
    where: { id: runId },
    select: { endpoint: { select: { allowedOrigins: true } } },
  });
  return run?.endpoint?.allowedOrigins ?? [];
}

/** One REST call: `handleApiCall` (surface "rest"), with CORS headers for the origins `origins` allows. */
async function restCall(
  request: Request,
  origins: (db: PrismaClient) => Promise<string[]>,
  handler: (call: ApiCall) => Promise<Response>,
): Promise<Response> {
  let allowed: readonly string[] = [];
  // Only browsers send Origin: other clients skip the lookup.
  const fromBrowser = request.headers.has("origin");
  const response = await handleApiCall(request, { surface: "rest" }, async (call) => {
    if (fromBrowser) allowed = await origins(call.db);
    return handler(call);
  });
  return withCors(request, response, allowed);
}

/** Authenticate the call's key and take one call from its rate limit; the call is recorded for its team. */
async function callerOf(call: ApiCall): Promise<ApiCaller> {
  const caller = await authenticateApiKey(call.db, call.request.headers.get("authorization"));
  call.accounting.teamId = caller.team.id;
  call.accounting.apiKeyId = caller.key.id;
  await takeKeyCall(caller);
  return caller;
}

/** A run the caller's key may read (404 otherwise); marks the call as about its run and endpoint. */
async function callerRun(call: ApiCall, caller: ApiCaller, runId: string) {
  const result = await runForCaller(call.db, caller, runId);
  const run = await call.db.run.findUniqueOrThrow({
    where: { id: runId },
    select: { endpointId: true },
  });
  call.accounting.runId = runId;
  call.accounting.endpointId = run.endpointId ?? undefined;
  return result;
}

/** `POST /api/v1/endpoints/{team}/{slug}/runs`: start a run; answer with its result, a 202, or its events. */
export function createRun(request: Request, params: { team: string; slug: string }): Promise<Response> {
  return restCall(
    request,
    (db) => endpointOrigins(db, params.team, params.slug),
    async (call) => {
      const caller = await callerOf(call);
      const endpoint = await endpointForCaller(call.db, caller, { teamSlug: params.team, slug: params.slug });
      call.accounting.endpointId = endpoint.id;
      const body = await readJsonBody(request, createRunRequestSchema, RUN_INPUT_LIMITS.bodyBytes);
      await checkMonthlyCostCap(call.db, caller);
      const { stream, async: runAsync, ...input } = body;
      const { runId } = await startEndpointRun(call.db, { endpoint, input, source: "api", caller });
      call.accounting.runId = runId;
      if (stream) {
        return runEventsSseResponse({
          follow: (signal) => followRun(call.db, runId, { signal }),
          result: () => runResult(call.db, runId),
          signal: request.signal,
          headers: runHeaders(runId),
        });
      }
      if (!runAsync) {
        const ended = await waitForRunEnd(call.db, runId, env.API_SYNC_WAIT_SECONDS * 1000, request.signal);
        if (ended) return Response.json(await runResult(call.db, runId), { headers: runHeaders(runId) });
      }
      const run = await call.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
      // Ended between the wait's last look and now: the result, not a 202.
      if (!runAsync && isTerminal(run.status)) {
        return Response.json(await runResult(call.db, runId), { headers: runHeaders(runId) });
      }
      const accepted: RunAccepted = {
        id: runId,
        status: run.status,
        endpoint: endpoint.slug,
        urls: runUrls(runId),
      };
      return Response.json(accepted, { status: 202, headers: runHeaders(runId) });
    },
  );
}

/** `GET /api/v1/runs/{id}`: the run's result so far. */
export function getRun(request: Request, runId: string): Promise<Response> {
  return restCall(
    request,
    (db) => runOrigins(db, runId),
    async (call) => {
      const caller = await callerOf(call);
      return Response.json(await callerRun(call, caller, runId));
    },
  );
}

/** `DELETE /api/v1/runs/{id}`: cancel the run; answers the status it is in. */
export function deleteRun(request: Request, runId: string): Promise<Response> {
  return restCall(
    request,
    (db) => runOrigins(db, runId),
    async (call) => {
      const caller = await callerOf(call);
      await callerRun(call, caller, runId);
      const { status } = await cancelRun(call.db, runId, "Cancelled through the API.");
      const body: CancelRunResponse = { id: runId, status };
      return Response.json(body);
    },
  );
}

/** The query of an events request, validated: 400 naming the parameter. */
function eventsQuery(request: Request) {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = runEventsQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      throw new ApiError(400, "invalid_request", `Unknown query parameter "${issue.keys[0]}".`, {
        param: issue.keys[0],
      });
    }
    const param = issue.path.map(String).join(".");
    throw new ApiError(400, "invalid_request", `"${param}": ${issue.message}`, { param });
  }
  return parsed.data;
}

/**
 * `GET /api/v1/runs/{id}/events`: the run's events after a cursor (`Last-Event-ID`, else `after`), as a
 * JSON page, or with `Accept: text/event-stream` as Server-Sent Events live until the run's end.
 */
export function getRunEvents(request: Request, runId: string): Promise<Response> {
  return restCall(
    request,
    (db) => runOrigins(db, runId),
    async (call) => {
      const caller = await callerOf(call);
      const query = eventsQuery(request);
      const after = parseLastEventId(request.headers.get("last-event-id")) ?? query.after ?? -1;
      await callerRun(call, caller, runId);
      if (/\btext\/event-stream\b/i.test(request.headers.get("accept") ?? "")) {
        return runEventsSseResponse({
          follow: (signal) => followRun(call.db, runId, { afterSeq: after, signal }),
          result: () => runResult(call.db, runId),
          signal: request.signal,
          headers: { "x-troupe-run-id": runId },
        });
      }
      const events = await listEventsAfter(call.db, runId, after, query.limit ?? DEFAULT_EVENTS_PAGE);
      // Read the run after its events: a terminal status then covers every event it will ever have.
      const run = await call.db.run.findUniqueOrThrow({
        where: { id: runId },
        select: { status: true, lastSeq: true },
      });
      const nextAfter = events.at(-1)?.seq ?? after;
      const page: RunEventsPage = {
        events,
        next_after: nextAfter,
        done: isTerminal(run.status) && nextAfter >= run.lastSeq,
        status: run.status,
      };
      return Response.json(page);
    },
  );
}

/** Preflight of the endpoint routes: answered for the endpoint's allowed origins only. */
export async function endpointPreflight(
  request: Request,
  params: { team: string; slug: string },
): Promise<Response> {
  const origins = await endpointOrigins(database, params.team, params.slug).catch(() => []);
  return preflightResponse(request, origins);
}

/** Preflight of the run routes: answered for the allowed origins of the run's endpoint only. */
export async function runPreflight(request: Request, runId: string): Promise<Response> {
  const origins = await runOrigins(database, runId).catch(() => []);
  return preflightResponse(request, origins);
}
