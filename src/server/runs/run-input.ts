import "server-only";
import { z } from "zod";
import { text, withoutNul } from "~/graph";
import { RUN_INPUT_LIMITS, runAdditionalArgsSchema, runAudioSchema, runImagesSchema } from "~/lib/run-media";

export { RUN_INPUT_LIMITS } from "~/lib/run-media";

/**
 * What an endpoint run is asked to do: the task, and optionally images, audio and extra named values
 * (what smolagents passes as `additional_args`: variables in a code agent's sandbox). Strict: an unknown
 * field is refused with its name. The same schema validates requests and documents them (OpenAPI).
 */
export const runInputSchema = z
  .object({
    task: text()
      .trim()
      .min(1, "Give the agent a task.")
      .max(
        RUN_INPUT_LIMITS.taskChars,
        `Tasks are at most ${RUN_INPUT_LIMITS.taskChars.toLocaleString("en-US")} characters.`,
      )
      .describe("What the agent should do."),
    images: runImagesSchema
      .optional()
      .describe("Images given with the task: http(s) URLs or base64 data URIs."),
    audio: runAudioSchema
      .optional()
      .describe("Audio given with the task (the agent sees them as the extra value `audio`)."),
    additional_args: runAdditionalArgsSchema
      .optional()
      .describe("Extra named values: variables in a code agent's sandbox, listed in the task."),
  })
  .strict();
export type RunInput = z.infer<typeof runInputSchema>;

/** What a run stores beyond its task (`Run.input`), or null when there is nothing. */
export function storedRunInput(
  input: RunInput,
  conversation?: ConversationMessage[],
): Record<string, unknown> | null {
  const stored: Record<string, unknown> = {};
  if (conversation?.length) stored.conversation = conversation;
  if (input.images?.length) stored.images = input.images;
  if (input.audio?.length) stored.audio = input.audio;
  if (input.additional_args && Object.keys(input.additional_args).length)
    stored.additionalArgs = input.additional_args;
  // Postgres refuses \u0000 in jsonb: a NUL in a URL or an extra value would fail the run's insert.
  return Object.keys(stored).length ? withoutNul(stored) : null;
}

/** One earlier message of a conversation a run continues (OpenAI-compatible calls send the whole chat). */
export const conversationMessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  images: z.array(z.string()).optional(),
});

export type ConversationMessage = z.infer<typeof conversationMessageSchema>;

/**
 * `Run.input` as stored: what the worker hands the engine — images, extra values (with any audio as
 * the value `audio`), and the earlier messages of a conversation, which become the agent's memory
 * before the task (smolagents' `run(task, reset=False)` across calls).
 */
export const storedRunInputSchema = z
  .object({
    images: z.array(z.string()).optional(),
    audio: z.array(z.string()).optional(),
    additionalArgs: z.record(z.string(), z.unknown()).optional(),
    conversation: z.array(conversationMessageSchema).optional(),
  })
  .nullable()
  .catch(null);
