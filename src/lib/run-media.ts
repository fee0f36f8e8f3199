import { z } from "zod";

/**
 * Images and audio given with a run's task: the bounds and the zod pieces that check them, shared
 * by the HTTP API (src/server/runs/run-input.ts), `run.start` and the run dialog in the browser.
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

/**
 * Extra named values given with a task (smolagents' `additional_args`: variables in a code agent's
 * sandbox); names are Python identifiers.
 */
export const runAdditionalArgsSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "Extra value names are Python identifiers."),
  z.unknown(),
);

/** A file picked in the run dialog, read as a data URI. */
export interface PickedMedia {
  kind: RunMediaKind;
  name: string;
  /** Bytes of the file. */
  size: number;
  dataUri: string;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Whether a file may join the ones already picked, and as what: an image or audio file within the
 * per-file size, the count of its kind, and `maxTotalBytes` for all files together (the app's
 * requests are smaller than the HTTP API's). The reason names the file when it may not.
 */
export function pickMediaFile(
  file: { name: string; type: string; size: number },
  picked: readonly Pick<PickedMedia, "kind" | "size">[],
  maxTotalBytes: number,
): { ok: true; kind: RunMediaKind } | { ok: false; reason: string } {
  const kind = file.type.startsWith("image/")
    ? "image"
    : file.type.startsWith("audio/")
      ? "audio"
      : undefined;
  if (!kind) return { ok: false, reason: `${file.name} is not an image or audio file.` };
  if (file.size > RUN_INPUT_LIMITS.mediaBytes) {
    return {
      ok: false,
      reason: `${file.name} is ${megabytes(file.size)}; each file is at most ${MB} MB.`,
    };
  }
  const limit = kind === "image" ? RUN_INPUT_LIMITS.images : RUN_INPUT_LIMITS.audio;
  if (picked.filter((media) => media.kind === kind).length >= limit) {
    return {
      ok: false,
      reason: `A run takes at most ${limit} ${kind === "image" ? "images" : "audio files"}.`,
    };
  }
  const total = picked.reduce((sum, media) => sum + media.size, 0) + file.size;
  if (total > maxTotalBytes) {
    return {
      ok: false,
      reason: `${file.name} would bring the files to ${megabytes(total)}; a run started here takes ${megabytes(maxTotalBytes)} in all.`,
    };
  }
  return { ok: true, kind };
}
