import { z } from "zod";

/**
 * Images and audio given with a run's task: the bounds and the zod pieces that check them, shared
 * by the HTTP API (src/server/publish/run-input.ts), `run.start` and the run dialog in the browser.
 */

/** Bounds of what one run request may carry. */
export const RUN_INPUT_LIMITS = {
  taskChars: 20_000,
  images: 8,
  audio: 4,
  /** Decoded size of one base64 image or audio file. */
  mediaBytes: 5 * 1024 * 1024,
  /** The whole request body (JSON) of the HTTP API, checked before parsing. */
  bodyBytes: 32 * 1024 * 1024,
} as const;

/** The kinds of file a run takes. */
export type RunMediaKind = "image" | "audio";

const MB = RUN_INPUT_LIMITS.mediaBytes / (1024 * 1024);

/** An image or audio file: an http(s) URL, or a base64 `data:` URI of the given kind within the size limit. */
export function runMediaSchema(kind: RunMediaKind) {
  return z
    .string()
    .max(Math.ceil((RUN_INPUT_LIMITS.mediaBytes * 4) / 3) + 200, `Each ${kind} is at most ${MB} MB.`)
    .refine(
      (value) =>
        /^https?:\/\/\S+$/i.test(value) ||
        new RegExp(`^data:${kind}/[\\w.+-]+;base64,[A-Za-z0-9+/=\\s]+$`).test(value),
      `Give each ${kind} as an http(s) URL or a base64 data URI (data:${kind}/…;base64,…).`,
    );
}

/** Images given with a task. */
export const runImagesSchema = z
  .array(runMediaSchema("image"))
  .max(RUN_INPUT_LIMITS.images, `At most ${RUN_INPUT_LIMITS.images} images.`);

/** Audio files given with a task (the agent sees them as the extra value `audio`). */
export const runAudioSchema = z
  .array(runMediaSchema("audio"))
  .max(RUN_INPUT_LIMITS.audio, `At most ${RUN_INPUT_LIMITS.audio} audio files.`);
