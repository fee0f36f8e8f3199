import "server-only";
import { z } from "zod";
import { runEventSchema } from "~/agents/events";
import { runStatuses } from "~/lib/run-status";
import { runInputSchema } from "~/server/runs/run-input";
import { runResultSchema } from "./endpoint-runs";

/**
 * The REST API's request and response shapes: the handlers (`rest-api.ts`) validate with these, and the
 * OpenAPI document (`openapi.ts`) is generated from the same objects, so the two cannot disagree.
 */

export { runResultSchema };

/** The body of `POST /api/v1/endpoints/{team}/{slug}/runs`: the run's input and how to answer. */
export const createRunRequestSchema = runInputSchema
  .extend({
    stream: z
      .boolean()
      .optional()
      .describe(
        "Answer with Server-Sent Events of the run's events (id = sequence number, resumable with Last-Event-ID), ending with an `end` event carrying the result.",
      ),
    async: z
      .boolean()
      .optional()
      .describe("Answer 202 with the run id at once instead of waiting for the run."),
  })
  .strict()
  .refine((body) => !(body.stream && body.async), {
    message: 'Choose "stream" or "async", not both.',
    path: ["async"],
  });
export type CreateRunRequest = z.infer<typeof createRunRequestSchema>;

const runStatusSchema = z.enum(runStatuses);

/** 202: the run goes on; where to poll, stream or cancel it. */
export const runAcceptedSchema = z.object({
  id: z.string().describe("The run id."),
  status: runStatusSchema,
  endpoint: z.string().describe("The endpoint's slug."),
  urls: z.object({
    run: z.string().describe("GET to poll the run's result, DELETE to cancel it."),
    events: z
      .string()
      .describe("GET the run's events: a JSON page, or Server-Sent Events with Accept: text/event-stream."),
  }),
});
export type RunAccepted = z.infer<typeof runAcceptedSchema>;

/** The query of `GET /api/v1/runs/{id}/events`. */
export const runEventsQuerySchema = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(-1)
      .optional()
      .describe(
        "Only events with a greater sequence number (-1 or absent: from the first). Last-Event-ID wins.",
      ),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .describe("At most this many events in a JSON page (default 100)."),
  })
  .strict();

/** A page of a run's events (JSON). */
export const runEventsPageSchema = z.object({
  events: z.array(runEventSchema).describe("The events after the cursor, in order."),
  next_after: z.number().int().describe("Pass as `after` to get the events that follow."),
  done: z.boolean().describe("The run has ended and every one of its events has been returned."),
  status: runStatusSchema,
});
export type RunEventsPage = z.infer<typeof runEventsPageSchema>;

/** The answer of `DELETE /api/v1/runs/{id}`. */
export const cancelRunResponseSchema = z.object({
  id: z.string(),
  status: z
    .enum([...runStatuses, "cancelling"])
    .describe(
      "`cancelled` when the run had not started; `cancelling` while its worker stops it; a finished run keeps its status.",
    ),
});
export type CancelRunResponse = z.infer<typeof cancelRunResponseSchema>;

/** Every error's body. */
export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe("A stable code, e.g. invalid_api_key, rate_limited, endpoint_not_found."),
    message: z.string().describe("What is wrong, in words."),
    param: z.string().optional().describe("The field (or header, query parameter) the error is about."),
  }),
});
