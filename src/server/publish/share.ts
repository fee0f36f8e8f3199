import "server-only";
import { z } from "zod";
import { type ChatEndStatus, type ChatEvent, chatEventOf, isChatEndStatus } from "~/lib/chat-events";
import type { PrismaClient } from "~/server/db";
import { followRun } from "~/server/realtime/run-feed";
import { runInputSchema } from "~/server/runs/run-input";
import { ApiError } from "./api-error";
import { endpointSelect, type PublishedEndpoint, publishedOrThrow, startEndpointRun } from "./endpoint-runs";

/**
 * The public share link of an endpoint: a chat anyone with the link may use, without a key, off by
 * default (`Endpoint.shareEnabled`), limited per client address (`shareRatePerMinute`). Each message
 * is a run of the version the endpoint serves (source "share"); the next message continues the
 * previous run's memory. What leaves the server is the chat's view of a run (`~/lib/chat-events`):
 * step summaries and the final answer, never the spec, observations, secrets or internal errors.
 */

/** Share tokens are 24 base64url characters (18 random bytes); anything else is not looked up. */
const SHARE_TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

/** A message sent to a share link. Strict: an unknown field is refused with its name. */
export const shareMessageSchema = z
  .object({
    task: runInputSchema.shape.task,
    previous_run_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("The run of the previous message of this chat: its memory is where this one starts."),
  })
  .strict();
export type ShareMessage = z.infer<typeof shareMessageSchema>;

const notFound = () =>
  new ApiError(404, "share_link_not_found", "This chat link does not exist or has been turned off.");

/**
 * The endpoint behind a share link, if the link is on and the endpoint serves a version; else 404
 * (the same answer for an unknown token, a link turned off and an unpublished endpoint).
 */
export async function sharedEndpoint(
  db: PrismaClient,
  token: string,
): Promise<PublishedEndpoint & { workflowVersionId: string }> {
  if (!SHARE_TOKEN.test(token)) throw notFound();
  const endpoint = await db.endpoint.findUnique({ where: { shareToken: token }, select: endpointSelect });
  if (!endpoint?.shareEnabled || !endpoint.workflowVersionId) throw notFound();
  return publishedOrThrow(endpoint);
}

/** What the public page shows about the agent behind a link; null when the link does not answer. */
export async function shareLinkInfo(
  db: PrismaClient,
  token: string,
): Promise<{ slug: string; description: string } | null> {
  try {
    const endpoint = await sharedEndpoint(db, token);
    return { slug: endpoint.slug, description: endpoint.description };
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}

/** A run this link started (source "share", this endpoint); anything else is 404. */
async function shareRun(db: PrismaClient, endpointId: string, runId: string) {
  const run = await db.run.findUnique({
    where: { id: runId },
    select: { id: true, endpointId: true, source: true, status: true, output: true },
  });
  if (!run || run.endpointId !== endpointId || run.source !== "share") {
    throw new ApiError(404, "run_not_found", "No message with this id in this chat.");
  }
  return run;
}

/**
 * Start the run answering one message. `previous_run_id` must be a run of this link (another
 * endpoint's run, or an API run, is refused as unknown) that has ended, so its memory is stored.
 * Why a run could not start is not the public's business beyond "busy" (429) or "unavailable" (503).
 */
export async function startShareRun(
  db: PrismaClient,
  endpoint: PublishedEndpoint & { workflowVersionId: string },
  message: ShareMessage,
): Promise<{ runId: string }> {
  if (message.previous_run_id) {
    const previous = await shareRun(db, endpoint.id, message.previous_run_id).catch((error: unknown) => {
      if (error instanceof ApiError)
        throw new ApiError(404, "run_not_found", "No earlier message with this id in this chat.", {
          param: "previous_run_id",
        });
      throw error;
    });
    if (!isChatEndStatus(previous.status)) {
      throw new ApiError(409, "previous_run_in_progress", "Wait for the answer to the previous message.", {
        param: "previous_run_id",
      });
    }
  }
  try {
    return await startEndpointRun(db, {
      endpoint,
      input: { task: message.task },
      source: "share",
      previousRunId: message.previous_run_id ?? null,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status !== 429) {
      throw new ApiError(503, "agent_unavailable", "This agent cannot answer right now. Try again later.");
    }
    if (error instanceof ApiError) {
      throw new ApiError(429, "busy", "This agent is busy. Try again in a minute.", {
        retryAfterSeconds: 60,
      });
    }
    throw error;
  }
}

/** One item of a share run's stream: a chat event, with the run event's seq to resume after. */
export interface ShareStreamItem {
  id?: number;
  event: ChatEvent;
}

/** 404 unless `runId` is a run this link started (check it before streaming). */
export async function checkShareRun(db: PrismaClient, endpointId: string, runId: string): Promise<void> {
  await shareRun(db, endpointId, runId);
}

/**
 * The chat's view of a share run (checked with `checkShareRun`), live: step summaries and the answer
 * as they are stored (after `afterSeq`), then one `end` event with the run's final status once it has
 * ended.
 */
export async function* shareRunStream(
  db: PrismaClient,
  endpointId: string,
  runId: string,
  options: { afterSeq?: number; signal?: AbortSignal },
): AsyncGenerator<ShareStreamItem> {
  for await (const event of followRun(db, runId, options)) {
    const chat = chatEventOf(event);
    if (chat) yield { id: event.seq, event: chat };
  }
  if (options.signal?.aborted) return;
  const run = await shareRun(db, endpointId, runId);
  const status: ChatEndStatus = isChatEndStatus(run.status) ? run.status : "failed";
  yield { event: { type: "end", status, output: status === "succeeded" ? run.output : null } };
}
