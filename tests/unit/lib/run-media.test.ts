import { describe, expect, it } from "vitest";
import { APP_MEDIA_BYTES } from "~/components/runs/run-media-picker";
import { pickMediaFile, RUN_INPUT_LIMITS } from "~/lib/run-media";
import { trpcBounds } from "~/lib/trpc-bounds";

const MB = 1024 * 1024;
const total = 20 * MB;

describe("files picked in the run dialog", () => {
  it("takes images and audio by their type", () => {
    expect(pickMediaFile({ name: "cat.png", type: "image/png", size: 1000 }, [], total)).toEqual({
      ok: true,
      kind: "image",
    });
    expect(pickMediaFile({ name: "note.mp3", type: "audio/mpeg", size: 1000 }, [], total)).toEqual({
      ok: true,
      kind: "audio",
    });
  });

  it("refuses other files, oversize files, too many of a kind and too much in all, naming the file", () => {
    expect(pickMediaFile({ name: "notes.pdf", type: "application/pdf", size: 10 }, [], total)).toEqual({
      ok: false,
      reason: "notes.pdf is not an image or audio file.",
    });
    expect(
      pickMediaFile(
        { name: "huge.jpg", type: "image/jpeg", size: RUN_INPUT_LIMITS.mediaBytes + 1 },
        [],
        total,
      ),
    ).toEqual({ ok: false, reason: "huge.jpg is 5.0 MB; each file is at most 5 MB." });
    const images = Array.from({ length: RUN_INPUT_LIMITS.images }, () => ({
      kind: "image" as const,
      size: 10,
    }));
    expect(pickMediaFile({ name: "one-more.png", type: "image/png", size: 10 }, images, total)).toEqual({
      ok: false,
      reason: `A run takes at most ${RUN_INPUT_LIMITS.images} images.`,
    });
    expect(pickMediaFile({ name: "a.wav", type: "audio/wav", size: 10 }, images, total).ok).toBe(true);
    expect(
      pickMediaFile(
        { name: "b.png", type: "image/png", size: 3 * MB },
        [{ kind: "audio", size: 2 * MB }],
        4 * MB,
      ),
    ).toEqual({
      ok: false,
      reason: "b.png would bring the files to 5.0 MB; a run started here takes 4.0 MB in all.",
    });
  });

  it("keeps what the app sends, base64-encoded, inside one tRPC request", () => {
    expect(Math.ceil((APP_MEDIA_BYTES * 4) / 3) + 128 * 1024).toBeLessThanOrEqual(trpcBounds.maxBodyBytes);
  });
});
