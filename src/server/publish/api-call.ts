import "server-only";
import type { z } from "zod";
import { CLIENT_ADDRESS_HEADER } from "~/server/client-address";
import { db as database, type PrismaClient } from "~/server/db";
import { errorReference, internalErrorMessage } from "~/server/error-reference";
import { logger } from "~/server/logger";
import { ApiError, apiErrorResponse } from "./api-error";

/** Which API surface answered a call (what the usage charts split by). */
export type ApiSurface = "rest" | "openai" | "mcp" | "share";

/** One call in progress: what the handler learns about it is recorded with its status and latency. */
export interface ApiCall {
  db: PrismaClient;
  request: Request;
  /** The client's address as the web process saw it (behind TRUSTED_PROXIES). */
  clientAddress: string;
  /** Fill in as they become known: a call is recorded when its team is known. */
  accounting: { teamId?: string; endpointId?: string; apiKeyId?: string; runId?: string };
}

/**
 * Run one API call: answer `ApiError`s in the surface's shape, any other failure as a 500 with an error
 * reference (the log has the real error), and record the call (status, latency until the response
 * starts) for the usage charts once its team is known.
 */
export async function handleApiCall(
  request: Request,
  options: { surface: ApiSurface; shape?: "troupe" | "openai"; headers?: HeadersInit },
  handler: (call: ApiCall) => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const call: ApiCall = {
    db: database,
    request,
    clientAddress: request.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown",
    accounting: {},
  };
  let response: Response;
  try {
    response = await handler(call);
  } catch (error) {
    if (error instanceof ApiError) {
      response = apiErrorResponse(error, options.shape, options.headers);
    } else {
      const reference = errorReference(error as object);
      logger.error({ err: error, reference, surface: options.surface }, "api call failed");
      response = apiErrorResponse(
        new ApiError(500, "internal_error", internalErrorMessage(reference)),
        options.shape,
        options.headers,
      );
    }
  }
  const { teamId, endpointId, apiKeyId, runId } = call.accounting;
  if (teamId) {
    await call.db.apiRequest
      .create({
        data: {
          teamId,
          endpointId: endpointId ?? null,
          apiKeyId: apiKeyId ?? null,
          runId: runId ?? null,
          surface: options.surface,
          status: response.status,
          latencyMs: Math.round(performance.now() - started),
        },
      })
      .catch((err: unknown) => logger.warn({ err }, "api call: could not record usage"));
  }
  return response;
}

/**
 * The JSON body of a request, validated: 415 unless it is JSON, 413 past `maxBytes` (from
 * Content-Length, and again while reading), 400 for malformed JSON or input that fails the schema,
 * naming the field (`param`) and saying what is wrong.
 */
export async function readJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes: number,
): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the body as JSON (Content-Type: application/json).",
    );
  }
  const tooLarge = () =>
    new ApiError(
      413,
      "body_too_large",
      `The request body is over the limit of ${Math.round(maxBytes / 1024 / 1024)} MB.`,
    );
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ApiError(400, "invalid_json", `The body is not valid JSON: ${(error as Error).message}.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join(".");
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : undefined;
    const field = unknownKeys ? unknownKeys.join(", ") : param;
    const message = unknownKeys
      ? `Unknown field${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.map((k) => `"${[param, k].filter(Boolean).join(".")}"`).join(", ")}.`
      : `${param ? `"${param}": ` : ""}${issueMessage(issue)}`;
    throw new ApiError(400, "invalid_request", message, { param: field || undefined });
  }
  return parsed.data;
}

/** An issue's message; for a record key that fails its schema, what is wrong with the key (zod's own says only "Invalid key"). */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key" && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}
