import "server-only";
import { z } from "zod";
import { runEventSchema } from "~/agents/events";
import { RUN_INPUT_LIMITS } from "~/server/runs/run-input";
import { openAiPaths, openAiTags } from "./openapi-openai";
import {
  apiErrorBodySchema,
  cancelRunResponseSchema,
  createRunRequestSchema,
  runAcceptedSchema,
  runEventsPageSchema,
  runEventsQuerySchema,
  runResultSchema,
} from "./rest-schemas";

/**
 * The OpenAPI 3.1 document of the HTTP API (`GET /api/v1/openapi.json`, rendered at /docs/api),
 * generated from the zod schemas the handlers validate with (`rest-schemas.ts`) by zod's own JSON
 * Schema output (JSON Schema 2020-12 is OpenAPI 3.1's dialect). Other surfaces (the OpenAI-compatible
 * and MCP routes) add their operations through `extraPaths` and `extraSchemas`.
 */

/** A path item of an OpenAPI document (operations by method). */
export type OpenApiPathItem = Record<string, unknown>;

export interface OpenApiDocumentOptions {
  /** The server's base URL (APP_URL); absent, paths are relative to wherever the document was fetched. */
  serverUrl?: string;
  /** More operations, by path (the OpenAI-compatible and MCP routes, `openAiPaths`, are always in). */
  extraPaths?: Record<string, OpenApiPathItem>;
  /** More component schemas the extra paths refer to (`#/components/schemas/<name>`). */
  extraSchemas?: Record<string, unknown>;
}

const SCHEMA_REF = "#/components/schemas/";
const ref = (name: string) => ({ $ref: `${SCHEMA_REF}${name}` });

/** JSON Schemas of a set of named zod schemas, referring to each other by component name. */
function componentSchemas(
  schemas: Record<string, z.ZodType>,
  io: "input" | "output",
): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    uri: (id) => `${SCHEMA_REF}${id}`,
  });
  const result: Record<string, Record<string, unknown>> = {};
  for (const [id, schema] of Object.entries(out)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
    result[id] = rest;
  }
  return result;
}

/** The error answers an operation may give, each with the error body (429 with Retry-After). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: malformed JSON, a field that fails validation, an unknown field (`param` names it).",
  401: "Missing, unknown or revoked API key.",
  403: "The key's scope does not cover this endpoint.",
  404: "No such endpoint or run for this key (another team's are not revealed), or the endpoint is not published.",
  413: `The body is over ${RUN_INPUT_LIMITS.bodyBytes / 1024 / 1024} MB.`,
  415: "The body is not JSON (send Content-Type: application/json).",
  422: "The published workflow cannot run as it is (it fails validation).",
  429: "The key's calls per minute, its monthly cost cap or the team's run limits are reached: retry after Retry-After seconds.",
  500: "Something went wrong on the server; the message carries a reference to quote.",
  503: "The server is busy starting other runs: nothing was started, retry after Retry-After seconds.",
};

function errorResponses(...statuses: number[]): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of [...statuses, 500]) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status],
      ...(status === 429 || status === 503
        ? {
            headers: {
              "Retry-After": {
                description: "Seconds to wait before calling again.",
                required: true,
                schema: { type: "integer", minimum: 1 },
              },
            },
          }
        : {}),
      content: { "application/json": { schema: ref("Error") } },
    };
  }
  return responses;
}

/** The query parameters of a zod object as OpenAPI parameters. */
function queryParameters(schema: z.ZodObject): unknown[] {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as {
    properties: Record<string, { description?: string } & Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties).map(([name, { description, ...property }]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    description,
    schema: property,
  }));
}

const runIdParameter = {
  name: "id",
  in: "path",
  required: true,
  description: "The run id (from a 202 answer, the `X-Troupe-Run-Id` header or a result's `id`).",
  schema: { type: "string" },
};

const runHeaders = {
  "X-Troupe-Run-Id": { description: "The run's id.", schema: { type: "string" } },
  Location: { description: "The run's URL (poll it, or DELETE it to cancel).", schema: { type: "string" } },
};

const sseDescription =
  "Server-Sent Events: one message per run event (`id:` its sequence number, `event:` its type, `data:` the event as JSON), then `event: end` whose data is the run's result (RunResult); comment lines every 15 s keep the connection open. Reconnect with `Last-Event-ID` to get exactly the events after it.";

/** The REST API's operations. */
function restPaths(): Record<string, OpenApiPathItem> {
  return {
    "/api/v1/endpoints/{team}/{slug}/runs": {
      post: {
        operationId: "createRun",
        summary: "Run an endpoint",
        description:
          "Start a run of the workflow version the endpoint serves. By default the call waits for the run (up to the server's API_SYNC_WAIT_SECONDS, 60 s unless configured) and answers 200 with its result — also when the run failed, was cancelled or timed out: `status` and `error` say so — or 202 with the run id when it is still going. `async: true` answers 202 at once; `stream: true` answers with the run's events as Server-Sent Events.",
        tags: ["Runs"],
        parameters: [
          {
            name: "team",
            in: "path",
            required: true,
            description: "The team's slug.",
            schema: { type: "string" },
          },
          {
            name: "slug",
            in: "path",
            required: true,
            description: "The endpoint's slug.",
            schema: { type: "string" },
          },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: ref("CreateRunRequest"),
              example: { task: "What is the capital of France?" },
            },
          },
        },
        responses: {
          "200": {
            description:
              "The run has ended (any status): its result. With `stream: true`, the event stream instead.",
            headers: runHeaders,
            content: {
              "application/json": { schema: ref("RunResult") },
              "text/event-stream": { schema: { type: "string", description: sseDescription } },
            },
          },
          "202": {
            description: "The run goes on (`async: true`, or the wait is over): poll or stream it.",
            headers: runHeaders,
            content: { "application/json": { schema: ref("RunAccepted") } },
          },
          ...errorResponses(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    "/api/v1/runs/{id}": {
      get: {
        operationId: "getRun",
        summary: "Get a run",
        description: "The run's status and, once it has ended, its output, usage and cost.",
        tags: ["Runs"],
        parameters: [runIdParameter],
        responses: {
          "200": { description: "The run.", content: { "application/json": { schema: ref("RunResult") } } },
          ...errorResponses(401, 404, 429),
        },
      },
      delete: {
        operationId: "cancelRun",
        summary: "Cancel a run",
        description:
          "Stop the run: a queued run ends at once (`cancelled`), a running one is stopped by its worker (`cancelling`); a finished run keeps its status.",
        tags: ["Runs"],
        parameters: [runIdParameter],
        responses: {
          "200": {
            description: "The status the run is in.",
            content: { "application/json": { schema: ref("CancelRunResponse") } },
          },
          ...errorResponses(401, 404, 429),
        },
      },
    },
    "/api/v1/runs/{id}/events": {
      get: {
        operationId: "listRunEvents",
        summary: "Read a run's events",
        description:
          "The run's events after a cursor (the `Last-Event-ID` header, else `after`): a JSON page, or with `Accept: text/event-stream` a live stream until the run's end.",
        tags: ["Runs"],
        parameters: [
          runIdParameter,
          ...queryParameters(runEventsQuerySchema),
          {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description:
              "Resume after this event sequence number (what EventSource sends when it reconnects).",
            schema: { type: "integer", minimum: -1 },
          },
        ],
        responses: {
          "200": {
            description: "A page of events, or the event stream.",
            content: {
              "application/json": { schema: ref("RunEventsPage") },
              "text/event-stream": { schema: { type: "string", description: sseDescription } },
            },
          },
          ...errorResponses(400, 401, 404, 429),
        },
      },
    },
    "/api/v1/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        tags: ["Documentation"],
        security: [],
        responses: {
          "200": {
            description: "The OpenAPI 3.1 document of the API.",
            content: { "application/json": { schema: { type: "object" } } },
          },
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the HTTP API. */
export function openApiDocument(options: OpenApiDocumentOptions = {}): Record<string, unknown> {
  const schemas = {
    ...componentSchemas({ CreateRunRequest: createRunRequestSchema }, "input"),
    ...componentSchemas(
      {
        RunResult: runResultSchema,
        RunAccepted: runAcceptedSchema,
        RunEventsPage: runEventsPageSchema,
        RunEvent: runEventSchema,
        CancelRunResponse: cancelRunResponseSchema,
        Error: apiErrorBodySchema,
      },
      "output",
    ),
    ...options.extraSchemas,
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Troupe API",
      version: "1.0.0",
      description:
        "Run the workflows a team has published as endpoints. Authenticate with a team API key: `Authorization: Bearer trp_…`. Errors are JSON `{ error: { code, message, param? } }`.",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    tags: [
      { name: "Runs", description: "Run endpoints, follow and cancel their runs." },
      ...openAiTags,
      { name: "Documentation", description: "This document." },
    ],
    paths: { ...restPaths(), ...openAiPaths, ...options.extraPaths },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "A team API key (created by the team's admins; shown once).",
        },
      },
      schemas,
    },
  };
}
